//! The status counters and the ticket rollups, applied from the table's stream.
//!
//! A ticket write does not move its counters itself: each ticket item carries what its write
//! adds to the rollups (`RD`, with the version that wrote it), and the ticket-counts function
//! reads the table's stream (new and old images, ticket items only) and applies, per batch, the
//! counter moves from the old image's status and team to the new one's and the rollup deltas
//! the new version carries. A turn or an escalation commits fewer items, and a busy
//! workspace's counter items take one update per batch instead of one per ticket write.
//!
//! Exactly once: the updates of a run of consecutive changes of one shard commit in one
//! transaction with a marker item keyed by the run's first change (`STREAM#<event id>`)
//! that records the run's last sequence number. Lambda hands a shard's changes in order and
//! retries a failed batch from its start (or from the change reported failed, always the
//! start of a run), so a run that was applied before is found by its first change, skipped to
//! its end, and the next run goes on from there. Markers expire after the stream's records do.

use std::collections::BTreeMap;
use std::fmt;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use turno_core::desk::report::rollup::{Counters, Dim, RollupDelta};
use turno_core::desk::ticket::{Ticket, TicketStatus};
use turno_core::kernel::ids::{TeamId, WorkspaceId};
use turno_core::ports::StoreError;

use super::{CondPut, DynamoStore, Item, TICKET_SK, from_item, key, n, retention, s};

/// The attribute of a ticket item holding what its write adds to the rollups.
pub const ROLLUP_DELTAS: &str = "RD";

/// The most items a run's transaction writes besides its marker (a transaction takes 100).
const RUN_ITEMS: usize = 99;

/// How long a run's marker is kept: past the stream's 24 hours, so a batch retried until its
/// records expire still finds it.
const MARKER_TTL: SignedDuration = SignedDuration::from_hours(48);

/// One change of a ticket item, as the table's stream gives it.
#[derive(Debug, Clone, Default)]
pub struct TicketChange {
    /// The stream record's id: unique, it names the marker of a run that starts here.
    pub event_id: String,
    /// The record's sequence number in its shard.
    pub sequence: String,
    /// The item's keys.
    pub keys: Item,
    /// The item before the write (none for an insert).
    pub old: Option<Item>,
    /// The item after the write (none for a removal).
    pub new: Option<Item>,
}

/// What [`DynamoStore::apply_ticket_changes`] did with a batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Changes whose moves were applied by this call.
    pub applied: usize,
    /// Changes a run applied before (a retried batch).
    pub already: usize,
    /// Changes that are not of a ticket item, or whose images do not read as a ticket (logged):
    /// nothing to apply.
    pub skipped: usize,
    /// The runs committed (a transaction, or a marker alone for a run that moves nothing).
    pub runs: usize,
}

/// A batch that stopped at a change: the changes before it are applied, it and those after
/// are not (Lambda retries from it).
#[derive(Debug)]
pub struct StoppedAt {
    /// The sequence number of the first change not applied.
    pub sequence: String,
    pub applied: Applied,
    pub error: StoreError,
}

/// What a ticket image tells the counters.
#[derive(Debug, Deserialize)]
struct Counted {
    workspace: WorkspaceId,
    status: TicketStatus,
    #[serde(default)]
    team: Option<TeamId>,
    #[serde(default)]
    version: u64,
}

/// The `RD` attribute of a write of `t`: its rollup deltas as one string, for a small item
/// (a bot-held ticket's stays under a kilobyte): `<day> <dimension>:<counter>=<n>,…`, entries
/// joined by `;`, an entry's day left out when it is the previous one's. Dimension keys and
/// counter names hold none of ` :=,;` (ids are slugs).
///
/// Every write has it, empty when it adds nothing: it says the write left its counter moves to
/// the stream. A ticket written before ticket-counts existed (or by a function of that
/// version, while a deployment rolls out) moved its counters in its own transaction, and its
/// change has no `RD`: applying it again would count it twice.
pub(super) fn rollup_deltas_attr(t: &Ticket) -> AttributeValue {
    let mut by_item: BTreeMap<(Date, String), BTreeMap<&str, i64>> = BTreeMap::new();
    for d in &t.rollup {
        let counters = by_item.entry((d.day, d.dim.key())).or_default();
        for (name, v) in &d.counters.0 {
            *counters.entry(name).or_insert(0) += v;
        }
    }
    let mut out = String::new();
    let mut last_day = None;
    for ((day, dim), counters) in by_item {
        let counters: Vec<String> = counters
            .into_iter()
            .filter(|(_, v)| *v != 0)
            .map(|(name, v)| format!("{name}={v}"))
            .collect();
        if counters.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(';');
        }
        if last_day != Some(day) {
            out.push_str(&format!("{day} "));
            last_day = Some(day);
        }
        out.push_str(&format!("{dim}:{}", counters.join(",")));
    }
    s(out)
}

/// The rollup deltas an image's `RD` holds (an entry that does not read is left out).
fn rollup_deltas_of(image: &Item) -> Vec<RollupDelta> {
    let Some(AttributeValue::S(text)) = image.get(ROLLUP_DELTAS) else {
        return Vec::new();
    };
    let mut day: Option<Date> = None;
    let mut out = Vec::new();
    for entry in text.split(';') {
        let rest = match entry.split_once(' ') {
            Some((d, rest)) => {
                day = d.parse().ok();
                rest
            }
            None => entry,
        };
        let (Some(day), Some((dim, counters))) = (day, rest.split_once(':')) else {
            continue;
        };
        let Some(dim) = Dim::parse(dim) else { continue };
        let counters: BTreeMap<String, i64> = counters
            .split(',')
            .filter_map(|c| {
                let (name, v) = c.split_once('=')?;
                Some((name.to_owned(), v.parse().ok()?))
            })
            .collect();
        out.push(RollupDelta {
            day,
            dim,
            counters: Counters(counters),
        });
    }
    out
}

fn counted(image: &Item) -> Result<Counted, StoreError> {
    from_item(image.clone(), "ticket image")
}

/// The moves of a run's changes: the counters (by workspace, counter key) and the rollups (by
/// workspace).
#[derive(Clone, Default)]
struct Moves {
    counters: BTreeMap<(WorkspaceId, String), i64>,
    rollups: BTreeMap<WorkspaceId, Vec<RollupDelta>>,
}

impl Moves {
    /// Adds one change's moves; `None` if it is not a ticket's change or its images do not
    /// read (nothing added).
    fn add_change(&mut self, c: &TicketChange) -> Option<()> {
        if !is_ticket(c) {
            return None;
        }
        let old = c.old.as_ref().map(counted).transpose().ok()?;
        let new = c.new.as_ref().map(counted).transpose().ok()?;
        let any = new.as_ref().or(old.as_ref())?;
        let ws = any.workspace.clone();
        let state = |x: &Counted| (x.status, x.team.clone());
        // A write that moved its counters itself has no `RD` (see `rollup_deltas_attr`); a
        // removal moves them whoever made it (an erase, the time to live).
        let moves_here = c.new.as_ref().is_none_or(|n| n.contains_key(ROLLUP_DELTAS));
        if moves_here && old.as_ref().map(state) != new.as_ref().map(state) {
            if let Some(o) = &old {
                *self
                    .counters
                    .entry((ws.clone(), counter_sk(o.team.as_ref(), o.status)))
                    .or_insert(0) -= 1;
            }
            if let Some(n) = &new {
                *self
                    .counters
                    .entry((ws.clone(), counter_sk(n.team.as_ref(), n.status)))
                    .or_insert(0) += 1;
            }
        }
        // The deltas belong to the write that stored them: a later update of another
        // attribute (an expiry) keeps the version and the deltas, and adds nothing.
        if let (Some(n), Some(image)) = (&new, &c.new)
            && old.as_ref().is_none_or(|o| o.version != n.version)
        {
            let deltas = rollup_deltas_of(image);
            if !deltas.is_empty() {
                self.rollups.entry(ws).or_default().extend(deltas);
            }
        }
        Some(())
    }
}

/// Whether a change is of a ticket item (the event filter passes only those; others are
/// skipped all the same).
fn is_ticket(c: &TicketChange) -> bool {
    c.keys
        .get("SK")
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        == Some(TICKET_SK)
}

/// A counter item's sort key: `<team or ->#<status>`.
pub(super) fn counter_sk(team: Option<&TeamId>, status: TicketStatus) -> String {
    format!(
        "{}#{}",
        team.map_or(super::views::NOBODY, |t| t.as_str()),
        status.as_str()
    )
}

/// Orders two sequence numbers of one shard (decimal strings of any length).
fn sequence_after(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
    (a.len(), a) > (b.len(), b)
}

fn marker_key(event_id: &str) -> Item {
    key(format!("STREAM#{event_id}"), "APPLIED")
}

impl DynamoStore {
    /// Applies the counter moves and rollup deltas of one shard's `changes`, in stream order,
    /// exactly once (see the module docs). A failure stops at the first change of the run that
    /// failed: the changes before it stay applied.
    pub async fn apply_ticket_changes(
        &self,
        changes: &[TicketChange],
    ) -> Result<Applied, Box<StoppedAt>> {
        let mut done = Applied::default();
        let mut i = 0;
        while i < changes.len() {
            match self.apply_run(&changes[i..], &mut done).await {
                Ok(next) => i += next,
                Err(error) => {
                    return Err(Box::new(StoppedAt {
                        sequence: changes[i].sequence.clone(),
                        applied: done,
                        error,
                    }));
                }
            }
        }
        Ok(done)
    }

    /// Applies the run that starts at `changes[0]` (as many changes as fit one transaction)
    /// and returns how many changes it covered.
    async fn apply_run(
        &self,
        changes: &[TicketChange],
        done: &mut Applied,
    ) -> Result<usize, StoreError> {
        let mut moves = Moves::default();
        let mut len = 0;
        let mut skipped = 0;
        for c in changes {
            let mut next = moves.clone();
            if next.add_change(c).is_none() {
                skipped += 1;
                if is_ticket(c) {
                    tracing::warn!(
                        event_id = %c.event_id,
                        "a ticket change whose images do not read as a ticket: no counts moved"
                    );
                }
            } else if len > 0 && self.run_updates(&next)?.len() > RUN_ITEMS {
                break;
            } else {
                moves = next;
            }
            len += 1;
        }
        let updates = self.run_updates(&moves)?;
        let applied = len - skipped;
        let first = &changes[0];
        let last = &changes[len - 1];
        let marker = CondPut::new_record(retention::with_expiry(
            {
                let mut item = marker_key(&first.event_id);
                item.insert("last".into(), s(&last.sequence));
                item
            },
            Some(Timestamp::now() + MARKER_TTL),
        ));
        // A run that moves nothing still leaves its marker: a reader that starts here later
        // must find where the next run starts.
        let outcome = if updates.is_empty() {
            if self.put("mark ticket counts", marker).await? {
                Ok(())
            } else {
                Err(vec![0])
            }
        } else {
            let marker = marker
                .into_transact(&self.table)
                .map_err(StoreError::Unexpected)?;
            self.transact("apply ticket counts", || {
                let mut items = vec![marker.clone()];
                items.extend(updates.clone());
                Ok(items)
            })
            .await?
        };
        match outcome {
            Ok(()) => {
                done.applied += applied;
                done.skipped += skipped;
                done.runs += 1;
                Ok(len)
            }
            // The marker exists: a run that starts here was applied; go on after its end.
            Err(failed) if failed.contains(&0) => {
                let last = self.run_end(&first.event_id).await?;
                let covered = changes
                    .iter()
                    .take_while(|c| !sequence_after(&c.sequence, &last))
                    .count()
                    .max(1);
                done.already += covered;
                Ok(covered)
            }
            Err(_) => Err(StoreError::Conflict),
        }
    }

    /// The last sequence number of the applied run that starts at `event_id`.
    async fn run_end(&self, event_id: &str) -> Result<String, StoreError> {
        let item = self
            .get("read a ticket counts marker", marker_key(event_id))
            .await?
            .ok_or(StoreError::Conflict)?;
        match item.get("last") {
            Some(AttributeValue::S(last)) => Ok(last.clone()),
            _ => Err(StoreError::Unexpected(anyhow::anyhow!(
                "the ticket counts marker of {event_id} has no last sequence"
            ))),
        }
    }

    fn counter_add(
        &self,
        ws: &WorkspaceId,
        sk: &str,
        delta: i64,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(super::views::counts_pk(ws), sk)))
            .update_expression("ADD #n :delta")
            .expression_attribute_names("#n", "n")
            .expression_attribute_values(":delta", n(delta))
            .build()
            .map_err(|e| StoreError::Unexpected(e.into()))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// The updates that apply `moves`: one per counter item and per rollup item.
    fn run_updates(&self, moves: &Moves) -> Result<Vec<TransactWriteItem>, StoreError> {
        let mut out = Vec::new();
        for ((ws, sk), delta) in &moves.counters {
            if *delta != 0 {
                out.push(self.counter_add(ws, sk, *delta)?);
            }
        }
        for (ws, deltas) in &moves.rollups {
            out.extend(self.rollup_updates(ws, deltas)?);
        }
        Ok(out)
    }
}

/// What makes the counts a reader sees current: a hook for stores whose counts are applied
/// later, from the stream (the tests' stand-in for the ticket-counts function).
#[async_trait]
pub trait CountsCatchUp: Send + Sync + fmt::Debug {
    /// Applies every ticket change written so far.
    async fn catch_up(&self, store: &DynamoStore) -> Result<(), StoreError>;
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn delta(day: Date, dim: Dim, pairs: &[(&str, i64)]) -> RollupDelta {
        let mut counters = Counters::default();
        for (name, v) in pairs {
            counters.add(name, *v);
        }
        RollupDelta { day, dim, counters }
    }

    #[test]
    fn rollup_deltas_read_back_from_their_attribute_added_up_by_item() {
        let ws = WorkspaceId::parse("ws").unwrap();
        let mut t = Ticket::new(
            ws,
            turno_core::kernel::ids::WaId::parse("34600111222").unwrap(),
            None,
            Default::default(),
            Timestamp::UNIX_EPOCH,
        );
        let (d1, d2) = (date(2026, 12, 1), date(2026, 12, 2));
        t.rollup = vec![
            delta(d1, Dim::All, &[("new", 1)]),
            delta(d1, Dim::Channel("whatsapp".into()), &[("new", 1)]),
            delta(
                d2,
                Dim::Team("billing-2".into()),
                &[("esc", 1), ("fr_w70", 2)],
            ),
            delta(d2, Dim::Agent("ana.b".into()), &[("res", 1), ("gone", 0)]),
            delta(d2, Dim::Team("billing-2".into()), &[("esc", 1)]),
            delta(d2, Dim::Reason("explicit_request".into()), &[("x", -3)]),
        ];
        let attr = rollup_deltas_attr(&t);
        assert_eq!(
            attr.as_s().unwrap(),
            "2026-12-01 all:new=1;channel#whatsapp:new=1;\
             2026-12-02 agent#ana.b:res=1;reason#explicit_request:x=-3;team#billing-2:esc=2,fr_w70=2"
        );
        let image = Item::from([(ROLLUP_DELTAS.to_owned(), attr)]);
        let back = rollup_deltas_of(&image);
        assert_eq!(
            back,
            vec![
                delta(d1, Dim::All, &[("new", 1)]),
                delta(d1, Dim::Channel("whatsapp".into()), &[("new", 1)]),
                delta(d2, Dim::Agent("ana.b".into()), &[("res", 1)]),
                delta(d2, Dim::Reason("explicit_request".into()), &[("x", -3)]),
                delta(
                    d2,
                    Dim::Team("billing-2".into()),
                    &[("esc", 2), ("fr_w70", 2)]
                ),
            ]
        );
        t.rollup.clear();
        assert_eq!(rollup_deltas_attr(&t), s(""));
    }

    #[test]
    fn sequence_numbers_order_by_value_whatever_their_padding() {
        assert!(sequence_after("000000000000000000010", "9"));
        assert!(sequence_after("100", "099"));
        assert!(!sequence_after("0000005", "5"));
        assert!(!sequence_after("4", "000000000000000000005"));
    }
}
