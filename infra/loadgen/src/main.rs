//! Load runs against a local runner in this process, with a fake Graph API.
//!
//! - `--mode burst` (the default): N signed "hola" webhooks from N distinct customers at once,
//!   then how long until the bot's replies reach the fake Graph API.
//! - `--mode sustained`: customer messages (text, menu choices, images and voice notes) and
//!   delivery statuses at fixed rates for a fixed time on an open-loop schedule; latency
//!   percentiles, throughput, dropped/late/lost counts and memory.
//! - `--mode aws`: the AWS topology's handlers on the local emulators, `--customers` writing at
//!   once with `--concurrency` in flight; the AWS requests per bot-handled message, escalated
//!   message and delivery status (`source .turno-emulators/env` first).
//!
//! `cargo run --profile measure -p turno-loadgen -- --customers 1000`
//! `cargo run --profile measure -p turno-loadgen -- --mode sustained --rate 2000 --duration 60s`

use std::time::Duration;

use clap::{Parser, ValueEnum};
use turno_loadgen::load::aws::{self, AwsOptions};
use turno_loadgen::load::burst::{self, BurstOptions};
use turno_loadgen::load::sustained::{self, SustainedOptions};

// The runner under load allocates as `turno` does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    Burst,
    Sustained,
    Aws,
}

#[derive(Parser)]
struct Args {
    #[arg(long, value_enum, default_value_t = Mode::Burst)]
    mode: Mode,
    /// Print the figures as one line of JSON.
    #[arg(long)]
    json: bool,

    /// Burst and AWS: distinct customers, one webhook each.
    #[arg(long, default_value_t = 1000)]
    customers: usize,
    /// Burst and AWS: webhook requests in flight at once (AWS: pollers per queue too).
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Burst: replies each "hola" gets (greeting + menu).
    #[arg(long, default_value_t = 2)]
    replies: usize,
    /// Burst: give up after this many seconds.
    #[arg(long, default_value_t = 120)]
    timeout_secs: u64,

    /// Sustained: customer messages a second.
    #[arg(long, default_value_t = 2000.0)]
    rate: f64,
    /// Sustained: status callbacks a second per customer message a second.
    #[arg(long, default_value_t = 3.0)]
    status_ratio: f64,
    /// Sustained: how long the measured part lasts (`60s`, `500ms`, `2m`).
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    duration: Duration,
    /// Sustained: sent first and left out of the figures.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    warmup: Duration,
    /// Sustained: requests in flight at most; a send due beyond it is dropped.
    #[arg(long, default_value_t = 1024)]
    max_in_flight: usize,
    /// Sustained: how long after one message a customer sends the next (the customer pool
    /// is rate × this).
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    revisit: Duration,
    /// Sustained: how long to wait for the last replies after the last send.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    drain: Duration,
}

/// `60s`, `500ms`, `2m`, or a number of seconds.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (number, unit) = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map_or((s, "s"), |at| s.split_at(at));
    let n: f64 = number
        .parse()
        .map_err(|_| format!("{s:?} is not a duration like 60s, 500ms or 2m"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        _ => return Err(format!("{s:?}: the unit is ms, s or m")),
    };
    Duration::try_from_secs_f64(secs).map_err(|e| format!("{s:?}: {e}"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    match args.mode {
        Mode::Burst => {
            burst::run(&BurstOptions {
                customers: args.customers,
                concurrency: args.concurrency,
                replies: args.replies,
                timeout: Duration::from_secs(args.timeout_secs),
                json: args.json,
            })
            .await
        }
        Mode::Sustained => {
            let opts = SustainedOptions {
                rate: args.rate,
                status_ratio: args.status_ratio,
                duration: args.duration,
                warmup: args.warmup,
                max_in_flight: args.max_in_flight,
                revisit: args.revisit,
                drain: args.drain,
                ..SustainedOptions::default()
            };
            let report = sustained::run(&opts).await?;
            if args.json {
                println!("{}", report.json());
            } else {
                println!("{}", report.text());
            }
            Ok(())
        }
        Mode::Aws => {
            let opts = AwsOptions {
                customers: args.customers,
                concurrency: args.concurrency,
            };
            let phases = aws::run(&opts).await?;
            if args.json {
                println!("{}", aws::json(&phases, &opts));
            } else {
                println!("{}", aws::text(&phases, &opts));
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("60s"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("60"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("2h").is_err());
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("-1s").is_err());
    }
}
