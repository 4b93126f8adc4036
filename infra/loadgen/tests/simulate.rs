//! The month simulator on a few conversations, so it keeps building and running.

use turno_loadgen::sim::{self, Options, StoreChoice, World, measure};

#[tokio::test]
async fn a_small_month_runs_through_the_use_cases_and_measures() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let options = Options {
        conversations: 40,
        days: 2,
        store: StoreChoice::Sqlite(dir.path().join("month.db")),
        seed: 7,
        progress_every: None,
    };
    let world = World::open(&options.store, sim::month_start())
        .await
        .expect("the simulated workspace");
    let totals = sim::simulate(&world, &options).await.expect("the month");
    assert!(
        totals.messages >= 80,
        "every conversation writes: {totals:?}"
    );
    assert!(totals.agent_actions > 0, "agents work: {totals:?}");
    assert_eq!(totals.failed_jobs, 0, "{totals:?}");
    let table = measure::measure_all(&world, &options)
        .await
        .expect("measured");
    let export = table
        .rows
        .iter()
        .find(|r| r.name.starts_with("export"))
        .expect("the export is measured");
    assert!(
        export.detail.starts_with("40 rows"),
        "one row per conversation: {}",
        export.detail
    );
}
