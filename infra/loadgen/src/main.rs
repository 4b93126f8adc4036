//! Fires N signed "hola" webhooks from N distinct customers at a local runner and measures how
//! long until the bot's replies reach a fake Graph API.
//!
//! `cargo run --release -p turno-loadgen -- --customers 1000`

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use clap::Parser;
use futures::StreamExt;
use serde_json::{Value, json};
use turno_tests::{APP_SECRET, sign, text_webhook};

#[derive(Parser)]
struct Args {
    /// Distinct customers, one webhook each.
    #[arg(long, default_value_t = 1000)]
    customers: usize,
    /// Webhook requests in flight at once.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Replies each "hola" gets (greeting + menu).
    #[arg(long, default_value_t = 2)]
    replies: usize,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 120)]
    timeout_secs: u64,
}

#[derive(Default)]
struct Received {
    /// Per customer, when each reply arrived.
    at: HashMap<String, Vec<Instant>>,
    total: usize,
}

type Shared = Arc<Mutex<Received>>;

async fn fake_send(
    State(rx): State<Shared>,
    Path(_phone): Path<String>,
    Json(body): Json<Value>,
) -> Json<Value> {
    let now = Instant::now();
    let to = body["to"].as_str().unwrap_or_default().to_owned();
    let n = {
        let mut r = rx.lock().unwrap_or_else(|p| p.into_inner());
        r.total += 1;
        r.at.entry(to).or_default().push(now);
        r.total
    };
    Json(
        json!({ "messaging_product": "whatsapp", "messages": [{ "id": format!("wamid.load.{n}") }] }),
    )
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let received: Shared = Arc::default();
    let graph = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let graph_url = format!("http://{}", graph.local_addr()?);
    let app = Router::new()
        .route("/{phone}/messages", post(fake_send))
        .with_state(received.clone());
    tokio::spawn(async move { axum::serve(graph, app).await });

    let data = tempfile::tempdir()?;
    let mut cfg = turno_local::LocalConfig::new("127.0.0.1:0".parse()?, data.path().to_owned());
    cfg.app_secret = APP_SECRET.into();
    cfg.access_token = Some("load-test-token".into());
    cfg.api_base_url = graph_url;
    cfg.sweep_every = Duration::from_secs(60);
    let running = turno_local::start(cfg).await.context("starting turno")?;
    let url = format!("{}/webhook/whatsapp", running.url());
    eprintln!(
        "turno at {}; {} customers, {} in flight",
        running.url(),
        args.customers,
        args.concurrency
    );

    let bodies: Vec<(String, String)> = (0..args.customers)
        .map(|i| {
            let customer = format!("5511{:09}", 100_000_000 + i);
            let body = text_webhook(&customer, "Cliente", &format!("wamid.load.in.{i}"), "hola");
            (customer, body)
        })
        .collect();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    let start = Instant::now();
    let sent_at: Vec<(String, Instant, bool)> = futures::stream::iter(bodies)
        .map(|(customer, body)| {
            let http = http.clone();
            let url = url.clone();
            async move {
                let at = Instant::now();
                let ok = http
                    .post(&url)
                    .header("x-hub-signature-256", sign(APP_SECRET, body.as_bytes()))
                    .body(body)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                (customer, at, ok)
            }
        })
        .buffer_unordered(args.concurrency)
        .collect()
        .await;
    let accepted_in = start.elapsed();
    let refused = sent_at.iter().filter(|(_, _, ok)| !ok).count();
    anyhow::ensure!(refused == 0, "{refused} webhooks were not accepted");

    let want = args.customers * args.replies;
    let deadline = start + Duration::from_secs(args.timeout_secs);
    let mut last_report = Instant::now();
    loop {
        let total = received.lock().unwrap_or_else(|p| p.into_inner()).total;
        if total >= want {
            break;
        }
        if Instant::now() > deadline {
            anyhow::bail!(
                "only {total} of {want} replies after {}s",
                args.timeout_secs
            );
        }
        if last_report.elapsed() > Duration::from_secs(2) {
            eprintln!("  {total}/{want} replies…");
            last_report = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let all_in = start.elapsed();

    let (mut first, mut complete) = {
        let r = received.lock().unwrap_or_else(|p| p.into_inner());
        let mut first = Vec::with_capacity(args.customers);
        let mut complete = Vec::with_capacity(args.customers);
        for (customer, at, _) in &sent_at {
            let replies = r.at.get(customer).map(Vec::as_slice).unwrap_or_default();
            if let (Some(f), Some(l)) = (replies.iter().min(), replies.iter().max()) {
                first.push(f.duration_since(*at));
                complete.push(l.duration_since(*at));
            }
        }
        (first, complete)
    };
    first.sort();
    complete.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("customers            {}", args.customers);
    println!(
        "webhooks accepted in {:.0} ms ({:.0}/s)",
        ms(accepted_in),
        args.customers as f64 / accepted_in.as_secs_f64()
    );
    println!(
        "all {} replies in   {:.0} ms ({:.0} replies/s)",
        want,
        ms(all_in),
        want as f64 / all_in.as_secs_f64()
    );
    println!(
        "first reply latency  p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
        ms(percentile(&first, 50.0)),
        ms(percentile(&first, 99.0)),
        ms(percentile(&first, 100.0))
    );
    println!(
        "whole turn latency   p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
        ms(percentile(&complete, 50.0)),
        ms(percentile(&complete, 99.0)),
        ms(percentile(&complete, 100.0))
    );
    if let Some(mb) = peak_rss_mb() {
        println!("peak RSS             {mb:.0} MB (runner + load generator + fake Graph API)");
    }
    running.stop().await;
    Ok(())
}
