//! The console's views past every old cap: more tickets than a list once looked at, paged
//! through exactly once, with exact counts; and the page and search times of a large store
//! (`INBOX_SCALE_TICKETS` tickets, default 2,500; set it to 100000 to measure).

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::collections::HashSet;
use std::time::Instant;

use turno_core::desk::ticket::TicketStatus;
use turno_core::ports::{
    ALL_STATUSES, StatusGroup, StatusScope, Store, TicketCursor, TicketQuery, TicketStore,
};
use turno_embedded::{Db, SqliteStore};
use turno_testkit::builders::{at, customer, team, ticket, workspace};

#[tokio::test]
async fn every_ticket_of_a_large_workspace_is_paged_once_and_counted_exactly() {
    let n: u32 = std::env::var("INBOX_SCALE_TICKETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2500);
    let store = SqliteStore::new(Db::open_temporary().unwrap());
    let ws = workspace();
    let started = Instant::now();
    let mut open = 0u64;
    for i in 0..n {
        let mut t = ticket(&ws, &customer(i));
        t.status = ALL_STATUSES[(i % 7) as usize];
        t.team = Some(team(if i % 2 == 0 { "support" } else { "billing" }));
        t.customer_name = Some(format!("Customer {i:06}"));
        // Many tickets share an activity time: the cursor's id breaks the ties.
        t.updated_at = at(i64::from(i / 3));
        if StatusGroup::of(t.status) == StatusGroup::Open {
            open += 1;
        }
        store.save_ticket(&mut t).await.unwrap();
    }
    eprintln!("{n} tickets written in {:?}", started.elapsed());

    let mut seen = HashSet::new();
    let mut after: Option<TicketCursor> = None;
    let mut previous: Option<TicketCursor> = None;
    let q = TicketQuery::workspace(StatusScope::Group(StatusGroup::Open));
    let mut pages = 0;
    loop {
        let started = Instant::now();
        let (page, next) = store
            .ticket_page(&ws, &q, after.as_ref(), 100)
            .await
            .unwrap();
        if pages < 2 {
            eprintln!("open view page {pages}: {:?}", started.elapsed());
        }
        pages += 1;
        for t in &page {
            assert_eq!(StatusGroup::of(t.status), StatusGroup::Open);
            let c = TicketCursor::of(t);
            assert!(previous.as_ref().is_none_or(|p| &c < p), "newest first");
            previous = Some(c);
            assert!(seen.insert(t.id.clone()), "{} listed twice", t.id);
        }
        match next {
            Some(c) => after = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len() as u64, open, "every open ticket once");

    let counts = store.ticket_counts(&ws, None).await.unwrap();
    assert_eq!(counts.values().sum::<u64>(), u64::from(n));
    let queued = (0..n).filter(|i| i % 7 == 1).count() as u64;
    assert_eq!(counts[&TicketStatus::Queued], queued);
    let support = store
        .ticket_counts(&ws, Some(&team("support")))
        .await
        .unwrap();
    assert_eq!(support.values().sum::<u64>(), u64::from(n.div_ceil(2)));

    let started = Instant::now();
    let by_name = TicketQuery {
        name_prefix: Some("customer 0001".into()),
        ..TicketQuery::workspace(StatusScope::All)
    };
    let (hits, _) = store.ticket_page(&ws, &by_name, None, 50).await.unwrap();
    eprintln!("name search: {:?}", started.elapsed());
    assert_eq!(
        hits.len(),
        50.min((n as usize).saturating_sub(100).min(100))
    );
    let started = Instant::now();
    let by_number = TicketQuery {
        customer: Some(customer(n / 2)),
        ..TicketQuery::workspace(StatusScope::All)
    };
    let (hits, _) = store.ticket_page(&ws, &by_number, None, 50).await.unwrap();
    eprintln!("number search: {:?}", started.elapsed());
    assert_eq!(hits.len(), 1);
    let _: &dyn Store = &store;
}
