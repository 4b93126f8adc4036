//! The burst: N signed "hola" webhooks from N distinct customers at once (a bounded number
//! in flight), then how long until the bot's replies reached the fake Graph API.

use std::time::{Duration, Instant};

use futures::StreamExt;
use turno_tests::{APP_SECRET, sign, text_webhook};

use super::Runner;
use super::graph::FakeGraph;
use super::stats::{Memory, percentile};

/// What the burst is asked for.
#[derive(Clone, Debug)]
pub struct BurstOptions {
    /// Distinct customers, one webhook each.
    pub customers: usize,
    /// Webhook requests in flight at once.
    pub concurrency: usize,
    /// Replies each "hola" gets (greeting + menu).
    pub replies: usize,
    /// Give up this long after the start.
    pub timeout: Duration,
    /// Print the figures as one line of JSON.
    pub json: bool,
}

/// Runs the burst and prints its figures.
pub async fn run(opts: &BurstOptions) -> anyhow::Result<()> {
    let (graph, graph_url) = FakeGraph::start(false).await?;
    let runner = Runner::start(graph_url).await?;
    let url = runner.webhook_url.clone();
    eprintln!(
        "turno at {}; {} customers, {} in flight",
        runner.running.url(),
        opts.customers,
        opts.concurrency
    );

    let bodies: Vec<(String, String)> = (0..opts.customers)
        .map(|i| {
            let customer = format!("5511{:09}", 100_000_000 + i);
            let body = text_webhook(&customer, "Cliente", &format!("wamid.load.in.{i}"), "hola");
            (customer, body)
        })
        .collect();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(opts.concurrency)
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
        .buffer_unordered(opts.concurrency)
        .collect()
        .await;
    let accepted_in = start.elapsed();
    let refused = sent_at.iter().filter(|(_, _, ok)| !ok).count();
    anyhow::ensure!(refused == 0, "{refused} webhooks were not accepted");

    let want = opts.customers * opts.replies;
    let deadline = start + opts.timeout;
    let mut last_report = Instant::now();
    loop {
        let total = graph.total();
        if total >= want {
            break;
        }
        if Instant::now() > deadline {
            anyhow::bail!(
                "only {total} of {want} replies after {}s",
                opts.timeout.as_secs()
            );
        }
        if last_report.elapsed() > Duration::from_secs(2) {
            eprintln!("  {total}/{want} replies…");
            last_report = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let all_in = start.elapsed();

    let (mut first, mut complete) = graph.with(|r| {
        let mut first = Vec::with_capacity(opts.customers);
        let mut complete = Vec::with_capacity(opts.customers);
        for (customer, at, _) in &sent_at {
            let replies = r.at.get(customer).map(Vec::as_slice).unwrap_or_default();
            if let (Some(f), Some(l)) = (replies.iter().min(), replies.iter().max()) {
                first.push(f.duration_since(*at));
                complete.push(l.duration_since(*at));
            }
        }
        (first, complete)
    });
    first.sort();
    complete.sort();
    let ms = |d: Duration| (d.as_secs_f64() * 100_000.0).round() / 100.0;
    let mem = Memory::now();
    let figures = serde_json::json!({
        "mode": "burst",
        "customers": opts.customers,
        "accepted_ms": ms(accepted_in),
        "accepted_per_s": (opts.customers as f64 / accepted_in.as_secs_f64()).round(),
        "replies": want,
        "all_replies_ms": ms(all_in),
        "replies_per_s": (want as f64 / all_in.as_secs_f64()).round(),
        "first_reply_p50_ms": ms(percentile(&first, 50.0)),
        "first_reply_p99_ms": ms(percentile(&first, 99.0)),
        "first_reply_max_ms": ms(percentile(&first, 100.0)),
        "whole_turn_p50_ms": ms(percentile(&complete, 50.0)),
        "whole_turn_p99_ms": ms(percentile(&complete, 99.0)),
        "whole_turn_max_ms": ms(percentile(&complete, 100.0)),
        "rss_peak_mb": mem.peak_mb.round(),
        "load_end": super::load_average(),
    });
    if opts.json {
        println!("{figures}");
    } else {
        let f = |k: &str| figures[k].as_f64().unwrap_or_default();
        println!("customers            {}", opts.customers);
        println!(
            "webhooks accepted in {:.0} ms ({:.0}/s)",
            f("accepted_ms"),
            f("accepted_per_s")
        );
        println!(
            "all {} replies in   {:.0} ms ({:.0} replies/s)",
            want,
            f("all_replies_ms"),
            f("replies_per_s")
        );
        println!(
            "first reply latency  p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
            f("first_reply_p50_ms"),
            f("first_reply_p99_ms"),
            f("first_reply_max_ms")
        );
        println!(
            "whole turn latency   p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
            f("whole_turn_p50_ms"),
            f("whole_turn_p99_ms"),
            f("whole_turn_max_ms")
        );
        println!(
            "peak RSS             {:.0} MB (runner + load generator + fake Graph API)",
            mem.peak_mb
        );
        println!("load average         {:.2}", f("load_end"));
    }
    runner.stop().await;
    Ok(())
}
