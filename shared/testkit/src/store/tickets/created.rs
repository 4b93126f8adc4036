//! The contract of the export's read ([`TicketStore::tickets_created`]).
//!
//! [`TicketStore::tickets_created`]: turno_core::ports::TicketStore::tickets_created

use jiff::{SignedDuration, Timestamp};
use turno_core::desk::ticket::Ticket;
use turno_core::kernel::ids::{TicketId, WorkspaceId};
use turno_core::ports::{CreatedCursor, CreatedRange, Store};

use super::super::save;
use crate::builders::*;

/// Every page of the range, `limit` at a time, asserting each page is at most `limit` long.
pub async fn read_created(
    store: &dyn Store,
    ws: &WorkspaceId,
    range: &CreatedRange,
    limit: u32,
) -> Vec<Ticket> {
    let mut out = Vec::new();
    let mut after: Option<CreatedCursor> = None;
    for _ in 0..10_000 {
        let (page, next) = store
            .tickets_created(ws, range, after.as_ref(), limit)
            .await
            .expect("read tickets by creation");
        assert!(page.len() <= limit as usize, "a page longer than its limit");
        out.extend(page);
        match next {
            Some(n) => after = Some(n),
            None => return out,
        }
    }
    panic!("the range never ended");
}

pub async fn tickets_created_page_through_the_range_oldest_first_each_once(store: &dyn Store) {
    let ws = workspace();
    let other = workspace();
    let base = at(1_000);
    let mut all = Vec::new();
    for i in 0..23u32 {
        let mut t = ticket(&ws, &customer(i));
        // Several tickets share a millisecond; some differ below it.
        t.created_at = base
            .checked_add(SignedDuration::from_millis(i64::from(i / 3) * 250))
            .unwrap()
            .checked_add(SignedDuration::from_micros(i64::from(i % 3)))
            .unwrap();
        t.team = Some(team(if i % 2 == 0 { "support" } else { "billing" }));
        // Later activity must not move a ticket in this order.
        t.updated_at = at(5_000 - i64::from(i));
        let mut t = save(store, t).await;
        if i % 4 == 0 {
            t.updated_at = at(9_000);
            t = save(store, t).await;
        }
        all.push(t);
    }
    save(store, ticket(&other, &customer(1))).await;
    let ms = |t: &Ticket| t.created_at.as_millisecond();
    let mut expected: Vec<&Ticket> = all.iter().collect();
    expected.sort_by(|a, b| (ms(a), &a.id).cmp(&(ms(b), &b.id)));
    let expected_ids = |pred: &dyn Fn(&Ticket) -> bool| -> Vec<TicketId> {
        expected
            .iter()
            .filter(|t| pred(t))
            .map(|t| t.id.clone())
            .collect()
    };
    let ids = |ts: Vec<Ticket>| ts.into_iter().map(|t| t.id).collect::<Vec<_>>();
    let whole = CreatedRange {
        from: base,
        to: at(100_000),
        team: None,
    };
    for limit in [1, 4, 23, 100] {
        assert_eq!(
            ids(read_created(store, &ws, &whole, limit).await),
            expected_ids(&|_| true),
            "every ticket once, oldest first, pages of {limit}"
        );
    }
    // `from` included, `to` left out: the tickets of [base + 500 ms, base + 1500 ms).
    let from = base.checked_add(SignedDuration::from_millis(500)).unwrap();
    let to = base
        .checked_add(SignedDuration::from_millis(1_500))
        .unwrap();
    let window = CreatedRange {
        from,
        to,
        team: None,
    };
    let inside = |t: &Ticket| ms(t) >= from.as_millisecond() && ms(t) < to.as_millisecond();
    assert_eq!(
        ids(read_created(store, &ws, &window, 2).await),
        expected_ids(&inside),
        "from is included and to is not"
    );
    let billing = CreatedRange {
        team: Some(team("billing")),
        ..whole.clone()
    };
    assert_eq!(
        ids(read_created(store, &ws, &billing, 3).await),
        expected_ids(&|t| t.team == Some(team("billing"))),
        "one team's tickets"
    );
    let empty = CreatedRange {
        from: Timestamp::UNIX_EPOCH,
        to: at(1),
        team: None,
    };
    assert!(
        read_created(store, &ws, &empty, 10).await.is_empty(),
        "nothing was created before"
    );
}
