//! Webhook ingress (verify the signature, parse the batch, enqueue durably) beside its floor
//! (HMAC-SHA256 and a JSON parse of the same body, nothing else).

use std::sync::Arc;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use turno_core::app::{Ports, Turno};
use turno_core::ports::SystemClock;
use turno_embedded::{Db, SandboxWhatsApp, SqliteEventBus, SqliteQueues, SqliteStore};
use turno_tests::{APP_SECRET, sign, text_webhook};

// The local runner's allocator, so that ingress is measured as `turno` runs it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Webhooks in flight at once in the concurrent variant.
const IN_FLIGHT: usize = 64;

fn body(i: u64) -> (String, String) {
    let b = text_webhook(
        "34600111222",
        "Lucía",
        &format!("wamid.bench.{i}.{}", uuid::Uuid::new_v4().simple()),
        "hola, ¿dónde está mi pedido?",
    );
    let s = sign(APP_SECRET, b.as_bytes());
    (b, s)
}

fn ingress(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // The local runner's runtime: a worker thread per core.
    let mt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open(&dir.path().join("bench.db")).expect("db");
    let workspaces =
        turno_local::config::parse_config(turno_local::config::DEMO_CONFIG).expect("config");
    let turno = Turno::new(
        Ports {
            store: Arc::new(SqliteStore::new(db.clone())),
            queue: Arc::new(SqliteQueues::new(db.clone())),
            whatsapp: Arc::new(SandboxWhatsApp::new(db.clone())),
            notifier: Arc::new(turno_notify::WebhookNotifier::new(None).expect("notifier")),
            events: Arc::new(SqliteEventBus::new(db.clone())),
            clock: Arc::new(SystemClock),
        },
        workspaces,
    );

    let mut group = c.benchmark_group("webhook");
    let (sample, sample_sig) = body(0);
    let sig_hex = sample_sig.trim_start_matches("sha256=").to_owned();
    group.bench_function("floor: hmac + json parse", |b| {
        b.iter(|| {
            let mut mac = Hmac::<Sha256>::new_from_slice(APP_SECRET.as_bytes()).expect("key");
            mac.update(sample.as_bytes());
            let expected = hex::decode(&sig_hex).expect("hex");
            mac.verify_slice(&expected).expect("valid");
            let v: serde_json::Value = serde_json::from_slice(sample.as_bytes()).expect("json");
            std::hint::black_box(v);
        })
    });
    group.bench_function("verify + parse (no enqueue)", |b| {
        b.iter(|| {
            turno_whatsapp::webhook::verify_signature(
                APP_SECRET.as_bytes(),
                sample.as_bytes(),
                Some(&sample_sig),
            )
            .expect("valid");
            std::hint::black_box(turno_whatsapp::webhook::parse(sample.as_bytes()));
        })
    });
    let mut i = 1;
    group.bench_function("ingress: verify + parse + durable enqueue", |b| {
        b.iter_batched(
            || {
                i += 1;
                body(i)
            },
            |(body, sig)| {
                turno_whatsapp::webhook::verify_signature(
                    APP_SECRET.as_bytes(),
                    body.as_bytes(),
                    Some(&sig),
                )
                .expect("valid");
                let batch = turno_whatsapp::webhook::parse(body.as_bytes());
                rt.block_on(turno.accept_webhook(batch)).expect("enqueued");
            },
            BatchSize::SmallInput,
        )
    });
    // Webhooks arrive concurrently in production (the HTTP server runs each request on its own
    // task); with many in flight, writes can share a commit. Measured per webhook.
    group.throughput(criterion::Throughput::Elements(IN_FLIGHT as u64));
    group.bench_function("ingress, 64 in flight (time per 64)", |b| {
        b.iter_batched(
            || {
                (0..IN_FLIGHT)
                    .map(|_| {
                        i += 1;
                        body(i)
                    })
                    .collect::<Vec<_>>()
            },
            |bodies| {
                let all = bodies.into_iter().map(|(body, sig)| {
                    let turno = turno.clone();
                    mt.spawn(async move {
                        turno_whatsapp::webhook::verify_signature(
                            APP_SECRET.as_bytes(),
                            body.as_bytes(),
                            Some(&sig),
                        )
                        .expect("valid");
                        let batch = turno_whatsapp::webhook::parse(body.as_bytes());
                        turno.accept_webhook(batch).await.expect("enqueued");
                    })
                });
                let tasks: Vec<_> = all.collect();
                for r in mt.block_on(futures::future::join_all(tasks)) {
                    r.expect("task");
                }
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, ingress);
criterion_main!(benches);
