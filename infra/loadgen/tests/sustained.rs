//! A short sustained run on the local runner: nothing lost, and its counts add up.

use std::time::Duration;

use turno_loadgen::load::sustained::{self, SustainedOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_sustained_run_loses_nothing_and_its_counts_add_up() {
    let opts = SustainedOptions {
        rate: 50.0,
        status_ratio: 3.0,
        duration: Duration::from_secs(2),
        warmup: Duration::from_millis(500),
        revisit: Duration::from_secs(1),
        drain: Duration::from_secs(60),
        ..SustainedOptions::default()
    };
    let r = sustained::run(&opts).await.expect("the run");
    eprintln!("{}", r.text());

    // Every scheduled send was sent or dropped; every status slot also maybe had nothing to
    // report on yet (before the first replies).
    assert_eq!(r.messages_sent + r.messages_dropped, 125);
    assert_eq!(
        r.statuses_sent + r.statuses_dropped + r.statuses_starved,
        375
    );
    assert_eq!(r.by_kind.iter().sum::<u64>(), r.messages_sent);
    assert!(r.by_kind.iter().all(|n| *n > 0), "{:?}", r.by_kind);
    assert!(r.statuses_sent > 0);

    // Nothing refused, nothing lost: each message has a reply after it.
    assert_eq!((r.messages_failed, r.statuses_failed), (0, 0));
    assert_eq!(r.lost, 0);
    assert!(r.replies_total >= r.messages_sent);

    // The measured part: the 100 messages due after the warm-up (less any dropped), each
    // with its response time and its reply.
    assert_eq!(r.webhook_messages.count as u64, 100 - r.messages_dropped);
    assert_eq!(r.reply.count, r.webhook_messages.count);
    for p in [r.webhook_messages, r.webhook_statuses, r.reply] {
        assert!(
            0.0 < p.p50 && p.p50 <= p.p90 && p.p90 <= p.p99 && p.p99 <= p.max,
            "{p:?}"
        );
    }
    assert!((r.inbound_per_s - r.webhook_messages.count as f64 / 2.0).abs() < 1e-6);
    assert!(r.rss_peak_mb >= r.rss_end_mb && r.rss_start_mb > 0.0);

    let json = r.json();
    assert_eq!(json["lost"], 0);
    assert_eq!(json["messages_sent"], r.messages_sent);
    assert!(json["reply_p99_ms"].as_f64().is_some());
}
