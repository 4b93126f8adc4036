//! The contract of [`RollupStore`](turno_core::ports::RollupStore): deltas a ticket write
//! carries are applied with it or not at all, items add up, reads cover a day range.

use jiff::civil::date;
use turno_core::desk::report::rollup::{Counters, Dim, Rollup, RollupDelta};
use turno_core::kernel::ids::WorkspaceId;
use turno_core::ports::Store;

use crate::builders::*;

fn delta(day: jiff::civil::Date, dim: Dim, pairs: &[(&str, i64)]) -> RollupDelta {
    let mut counters = Counters::default();
    for (k, v) in pairs {
        counters.add(k, *v);
    }
    RollupDelta { day, dim, counters }
}

async fn read(store: &dyn Store, ws: &WorkspaceId) -> Vec<Rollup> {
    store
        .rollups(ws, date(2026, 1, 1), date(2026, 12, 31))
        .await
        .unwrap()
}

pub async fn a_ticket_write_applies_its_rollup_deltas_and_a_stale_one_applies_none(
    store: &dyn Store,
) {
    let ws = workspace();
    let mut t = ticket(&ws, &customer(1));
    t.rollup = vec![
        delta(date(2026, 3, 1), Dim::All, &[("new", 1)]),
        delta(
            date(2026, 3, 1),
            Dim::Team("billing".into()),
            &[("esc", 1), ("fr_w70", 1)],
        ),
    ];
    store.save_ticket(&mut t).await.unwrap();
    let mut stale = t.clone();
    stale.version = 0;
    stale.rollup = vec![delta(date(2026, 3, 1), Dim::All, &[("new", 5)])];
    assert!(
        store.save_ticket(&mut stale).await.is_err(),
        "a stale write must fail"
    );
    t.rollup = vec![delta(date(2026, 3, 1), Dim::All, &[("new", 2), ("ppl", 1)])];
    store.save_ticket(&mut t).await.unwrap();
    let items = read(store, &ws).await;
    assert_eq!(items.len(), 2, "{items:?}");
    let all = items.iter().find(|r| r.dim == Dim::All).unwrap();
    assert_eq!(all.day, date(2026, 3, 1));
    assert_eq!(all.counters.get("new"), 3);
    assert_eq!(all.counters.get("ppl"), 1);
    let team = items
        .iter()
        .find(|r| r.dim == Dim::Team("billing".into()))
        .unwrap();
    assert_eq!(team.counters.get("fr_w70"), 1);
    assert!(
        read(store, &workspace()).await.is_empty(),
        "scoped by workspace"
    );
}

pub async fn rollups_add_up_and_are_read_by_day_range(store: &dyn Store) {
    let ws = workspace();
    for day in [
        date(2026, 2, 27),
        date(2026, 2, 28),
        date(2026, 3, 1),
        date(2026, 3, 2),
    ] {
        store
            .add_rollups(
                &ws,
                &[
                    delta(day, Dim::All, &[("act_on", 100)]),
                    delta(
                        day,
                        Dim::Agent("ana".into()),
                        &[("act_on", 100), ("act_away", 7)],
                    ),
                ],
            )
            .await
            .unwrap();
    }
    store
        .add_rollups(
            &ws,
            &[delta(date(2026, 3, 1), Dim::All, &[("act_on", -40)])],
        )
        .await
        .unwrap();
    let items = store
        .rollups(&ws, date(2026, 2, 28), date(2026, 3, 1))
        .await
        .unwrap();
    let days: Vec<_> = items.iter().map(|r| r.day).collect();
    assert_eq!(
        days,
        vec![
            date(2026, 2, 28),
            date(2026, 2, 28),
            date(2026, 3, 1),
            date(2026, 3, 1)
        ],
        "the two days asked for, in order"
    );
    assert_eq!(items.len(), 4);
    let march = items
        .iter()
        .find(|r| r.day == date(2026, 3, 1) && r.dim == Dim::All)
        .unwrap();
    assert_eq!(march.counters.get("act_on"), 60);
    let ana = items
        .iter()
        .find(|r| r.day == date(2026, 2, 28) && r.dim == Dim::Agent("ana".into()))
        .unwrap();
    assert_eq!(ana.counters.get("act_away"), 7);

    // The workspace's and a channel's counters, histogram buckets included, moved together
    // and apart, read back each as its own dimension's.
    let day = date(2026, 3, 5);
    let channel = Dim::Channel("whatsapp".into());
    store
        .add_rollups(
            &ws,
            &[
                delta(day, Dim::All, &[("new", 2), ("fr_n", 1), ("fr_w3", 1)]),
                delta(
                    day,
                    channel.clone(),
                    &[("new", 1), ("fr_n", 1), ("fr_w3", 1)],
                ),
            ],
        )
        .await
        .unwrap();
    store
        .add_rollups(&ws, &[delta(day, channel.clone(), &[("new", 4)])])
        .await
        .unwrap();
    let items = store.rollups(&ws, day, day).await.unwrap();
    assert_eq!(items.len(), 2, "{items:?}");
    let of = |dim: &Dim| {
        items
            .iter()
            .find(|r| r.dim == *dim)
            .unwrap()
            .counters
            .clone()
    };
    let (all, whatsapp) = (of(&Dim::All), of(&channel));
    assert_eq!(
        (all.get("new"), all.get("fr_n"), all.get("fr_w3")),
        (2, 1, 1)
    );
    assert_eq!(
        (
            whatsapp.get("new"),
            whatsapp.get("fr_n"),
            whatsapp.get("fr_w3")
        ),
        (5, 1, 1)
    );
}
