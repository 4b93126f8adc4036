//! [`RollupStore`] on DynamoDB: two items per (workspace, day, dimension), their counters as
//! number attributes moved with `ADD`, so concurrent writers add up without reading. The
//! histogram buckets live in an item of their own (`<day>#<dimension>~h`), so the frequent
//! updates of volumes and SLA outcomes write a small item (a write unit is per KB of the item).

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
        let mut out = Vec::new();
        for d in deltas {
            for histograms in [false, true] {
                let counters: Vec<(&String, &i64)> = d
                    .counters
                    .0
                    .iter()
                    .filter(|(k, v)| **v != 0 && is_bucket(k) == histograms)
                    .collect();
                if !counters.is_empty() {
                    out.push(self.add_update(
                        ws,
                        &rollup_sk(d.day, &d.dim, histograms),
                        &counters,
                    )?);
                }
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

#[async_trait]
impl RollupStore for DynamoStore {
    async fn rollups(
        &self,
        ws: &WorkspaceId,
        from: Date,
        to: Date,
    ) -> Result<Vec<Rollup>, StoreError> {
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
            let counters = merged.entry((day, dim)).or_default();
            for (name, value) in &item {
                if let AttributeValue::N(v) = value
                    && let Ok(v) = v.parse::<i64>()
                {
                    counters.add(name, v);
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
    use super::is_bucket;

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
