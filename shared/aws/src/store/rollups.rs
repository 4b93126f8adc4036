//! [`RollupStore`] on DynamoDB: two items per (workspace, day, dimension), their counters as
//! number attributes moved with `ADD`, so concurrent writers add up without reading. The
//! histogram buckets live in an item of their own (`<day>#<dimension>~h`), so the frequent
//! updates of volumes and SLA outcomes write a small item (a write unit is per KB of the item).
//!
//! A channel's counters other than its histogram buckets live on the day's `all` item, each
//! named `<dimension key>|<counter>` (`channel#whatsapp|new`): every fact counted for the
//! workspace is counted for its channel too, so the two move together, and one update of one
//! item moves both (a new ticket's count is one item written, not two). A report reads them
//! back as the channel's rollup.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use jiff::civil::Date;
use turno_core::desk::report::rollup::{Counters, Dim, Rollup, RollupDelta};
use turno_core::kernel::ids::WorkspaceId;
use turno_core::ports::{RollupStore, StoreError};

use super::{DynamoStore, key, n, s};

/// The most deltas one call of [`RollupStore::add_rollups`] applies together (one
/// `TransactWriteItems`); longer lists go in several.
const ADD_BATCH: usize = 100;

fn rollups_pk(ws: &WorkspaceId) -> String {
    format!("WS#{ws}#ROLLUP")
}

/// The suffix of the item holding a dimension's histogram buckets.
const HISTOGRAMS: &str = "~h";

fn rollup_sk(day: Date, dim: &Dim, histograms: bool) -> String {
    let suffix = if histograms { HISTOGRAMS } else { "" };
    format!("{day}#{}{suffix}", dim.key())
}

/// What separates a dimension's key from a counter's name in an attribute of another
/// dimension's item.
const DIM_SEPARATOR: char = '|';

/// The item a dimension's counters are added to, and the prefix of their attribute names
/// there: a channel's counters (histogram buckets aside) go to the day's `all` item.
fn rollup_target(day: Date, dim: &Dim, histograms: bool) -> (String, String) {
    match dim {
        Dim::Channel(_) if !histograms => (
            rollup_sk(day, &Dim::All, false),
            format!("{}{DIM_SEPARATOR}", dim.key()),
        ),
        _ => (rollup_sk(day, dim, histograms), String::new()),
    }
}

/// Whether a counter is a histogram bucket: `<metric>_w<n>` or `<metric>_b<n>`.
fn is_bucket(name: &str) -> bool {
    name.rsplit_once('_').is_some_and(|(_, tail)| {
        let mut chars = tail.chars();
        matches!(chars.next(), Some('w' | 'b'))
            && !chars.as_str().is_empty()
            && chars.as_str().chars().all(|c| c.is_ascii_digit())
    })
}

impl DynamoStore {
    /// The `ADD` updates that apply `deltas` (one per item), for a ticket's transaction.
    pub(super) fn rollup_updates(
        &self,
        ws: &WorkspaceId,
        deltas: &[RollupDelta],
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        // One update per item: a transaction may not write an item twice.
        let mut items: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
        for d in deltas {
            for histograms in [false, true] {
                let (sk, prefix) = rollup_target(d.day, &d.dim, histograms);
                for (name, v) in &d.counters.0 {
                    if *v != 0 && is_bucket(name) == histograms {
                        *items
                            .entry(sk.clone())
                            .or_default()
                            .entry(format!("{prefix}{name}"))
                            .or_insert(0) += v;
                    }
                }
            }
        }
        let mut out = Vec::new();
        for (sk, counters) in &items {
            let counters: Vec<(&String, &i64)> =
                counters.iter().filter(|(_, v)| **v != 0).collect();
            if !counters.is_empty() {
                out.push(self.add_update(ws, sk, &counters)?);
            }
        }
        Ok(out)
    }

    fn add_update(
        &self,
        ws: &WorkspaceId,
        sk: &str,
        counters: &[(&String, &i64)],
    ) -> Result<TransactWriteItem, StoreError> {
        {
            let mut update = Update::builder()
                .table_name(&self.table)
                .set_key(Some(key(rollups_pk(ws), sk)));
            let mut adds = Vec::new();
            for (i, (counter, v)) in counters.iter().enumerate() {
                adds.push(format!("#c{i} :v{i}"));
                update = update
                    .expression_attribute_names(format!("#c{i}"), counter.as_str())
                    .expression_attribute_values(format!(":v{i}"), n(**v));
            }
            let update = update
                .update_expression(format!("ADD {}", adds.join(", ")))
                .build()
                .map_err(|e| StoreError::Unexpected(e.into()))?;
            Ok(TransactWriteItem::builder().update(update).build())
        }
    }
}

/// The dimension and counter an attribute of `item_dim`'s item holds: its own counter, or
/// (`<dimension key>|<counter>`) another dimension's. `None` for a name that parses as
/// neither.
fn counter_of<'a>(item_dim: &Dim, name: &'a str) -> Option<(Dim, &'a str)> {
    match name.split_once(DIM_SEPARATOR) {
        Some((dim, counter)) => Dim::parse(dim).map(|d| (d, counter)),
        None => Some((item_dim.clone(), name)),
    }
}

#[async_trait]
impl RollupStore for DynamoStore {
    async fn rollups(
        &self,
        ws: &WorkspaceId,
        from: Date,
        to: Date,
    ) -> Result<Vec<Rollup>, StoreError> {
        self.catch_up_counts().await?;
        let items = self
            .query_all(
                "read rollups",
                || {
                    self.client
                        .query()
                        .table_name(&self.table)
                        .key_condition_expression("PK = :pk AND SK BETWEEN :from AND :to")
                        .expression_attribute_values(":pk", s(rollups_pk(ws)))
                        .expression_attribute_values(":from", s(format!("{from}#")))
                        // '~' sorts after every character a dimension key holds.
                        .expression_attribute_values(":to", s(format!("{to}#~")))
                },
                None,
            )
            .await?;
        let mut merged: BTreeMap<(Date, Dim), Counters> = BTreeMap::new();
        for item in items {
            let Some(AttributeValue::S(sk)) = item.get("SK") else {
                continue;
            };
            let Some((day, dim)) = sk.split_once('#') else {
                continue;
            };
            let dim = dim.strip_suffix(HISTOGRAMS).unwrap_or(dim);
            let (Ok(day), Some(dim)) = (day.parse::<Date>(), Dim::parse(dim)) else {
                continue;
            };
            for (name, value) in &item {
                let (AttributeValue::N(v), Some((of, counter))) = (value, counter_of(&dim, name))
                else {
                    continue;
                };
                if let Ok(v) = v.parse::<i64>() {
                    merged.entry((day, of)).or_default().add(counter, v);
                }
            }
        }
        Ok(merged
            .into_iter()
            .map(|((day, dim), counters)| Rollup { day, dim, counters })
            .collect())
    }

    async fn add_rollups(
        &self,
        ws: &WorkspaceId,
        deltas: &[RollupDelta],
    ) -> Result<(), StoreError> {
        for chunk in deltas.chunks(ADD_BATCH) {
            let updates = self.rollup_updates(ws, chunk)?;
            if updates.is_empty() {
                continue;
            }
            // Unconditional updates: only a lost race (tried again inside) can stop them.
            if self
                .transact("add rollups", || Ok(updates.clone()))
                .await?
                .is_err()
            {
                return Err(StoreError::Conflict);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use turno_core::desk::report::rollup::Dim;

    use super::{counter_of, is_bucket, rollup_target};

    #[test]
    fn a_channel_counts_on_the_days_all_item_and_reads_back_as_its_own() {
        let day = date(2026, 11, 30);
        let channel = Dim::Channel("whatsapp".into());
        let (sk, prefix) = rollup_target(day, &channel, false);
        assert_eq!(sk, rollup_target(day, &Dim::All, false).0);
        let name = format!("{prefix}new");
        assert_eq!(counter_of(&Dim::All, &name), Some((channel.clone(), "new")));
        assert_eq!(counter_of(&Dim::All, "new"), Some((Dim::All, "new")));
        // Histogram buckets keep an item per dimension.
        let (h, prefix) = rollup_target(day, &channel, true);
        assert_eq!(h, "2026-11-30#channel#whatsapp~h");
        assert!(prefix.is_empty());
        let team = Dim::Team("billing".into());
        assert_eq!(
            rollup_target(day, &team, false).0,
            "2026-11-30#team#billing"
        );
        assert_eq!(counter_of(&Dim::All, "nope#x|new"), None);
    }

    #[test]
    fn histogram_buckets_are_told_from_other_counters() {
        for name in ["fr_w12", "nr_b0", "res_w203"] {
            assert!(is_bucket(name), "{name}");
        }
        for name in [
            "fr_ws",
            "fr_bs",
            "fr_n",
            "new",
            "s_first_response_met",
            "cs_4",
            "act_on",
            "x_w",
        ] {
            assert!(!is_bucket(name), "{name}");
        }
    }
}
