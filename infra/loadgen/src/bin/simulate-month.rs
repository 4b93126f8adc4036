//! A simulated month of a workspace, straight through the use cases, then the console's and
//! the export's reads timed on it.
//!
//! ```sh
//! cargo build --release -p turno-loadgen
//! target/release/simulate-month --conversations 100000 --days 30 --store sqlite:/tmp/month.db
//! # DynamoDB Local (./infra/emulators/start.sh && source .turno-emulators/env):
//! target/release/simulate-month --conversations 2000 --days 30 --store dynamodb
//! # the reads again on an earlier run's file:
//! target/release/simulate-month --conversations 100000 --store sqlite:/tmp/month.db --measure-only
//! ```

use std::time::Instant;

use clap::Parser;
use turno_loadgen::sim::{self, Options, StoreChoice, World, measure};

#[derive(Parser)]
struct Args {
    /// Conversations in the month.
    #[arg(long, default_value_t = 10_000)]
    conversations: u32,
    /// Simulated days.
    #[arg(long, default_value_t = 30)]
    days: u32,
    /// `sqlite:PATH` (a new file) or `dynamodb` (DynamoDB Local, TURNO_TEST_DYNAMODB_ENDPOINT).
    #[arg(long)]
    store: StoreChoice,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Measure the reads again on the SQLite file of an earlier run, simulating nothing.
    #[arg(long)]
    measure_only: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let options = Options {
        conversations: args.conversations,
        days: args.days,
        store: args.store,
        seed: args.seed,
        progress_every: Some(std::time::Duration::from_secs(10)),
    };
    if args.measure_only {
        let end = sim::month_start().checked_add(jiff::SignedDuration::from_hours(
            24 * i64::from(options.days),
        ))?;
        let world = World::reopen(&options.store, end).await?;
        measure::measure_all(&world, &options).await?.print();
        return Ok(());
    }
    let world = World::open(&options.store, sim::month_start()).await?;
    eprintln!(
        "simulating {} conversations over {} days on {} (seed {})",
        options.conversations,
        options.days,
        sim::world::describe(&options.store),
        options.seed
    );
    let began = Instant::now();
    let totals = sim::simulate(&world, &options).await?;
    let secs = began.elapsed().as_secs_f64();
    println!(
        "simulated in {secs:.0} s ({:.0} conversations/s): {} messages, {} agent actions ({} refused), {} jobs ({} failed)",
        f64::from(totals.conversations) / secs.max(1e-9),
        totals.messages,
        totals.agent_actions,
        totals.refused,
        totals.jobs,
        totals.failed_jobs
    );
    measure::measure_all(&world, &options).await?.print();
    Ok(())
}
