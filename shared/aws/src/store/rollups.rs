//! [`RollupStore`] on DynamoDB: one item per (workspace, day, dimension), its counters as
//! number attributes moved with `ADD`, so concurrent writers add up without reading.

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

fn rollup_sk(day: Date, dim: &Dim) -> String {
    format!("{day}#{}", dim.key())
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
            if d.counters.is_empty() {
                continue;
            }
            let mut update = Update::builder()
                .table_name(&self.table)
                .set_key(Some(key(rollups_pk(ws), rollup_sk(d.day, &d.dim))));
            let mut adds = Vec::new();
            for (i, (counter, v)) in d.counters.0.iter().enumerate() {
                adds.push(format!("#c{i} :v{i}"));
                update = update
                    .expression_attribute_names(format!("#c{i}"), counter)
                    .expression_attribute_values(format!(":v{i}"), n(*v));
            }
            let update = update
                .update_expression(format!("ADD {}", adds.join(", ")))
                .build()
                .map_err(|e| StoreError::Unexpected(e.into()))?;
            out.push(TransactWriteItem::builder().update(update).build());
        }
        Ok(out)
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
        let mut out = Vec::new();
        for item in items {
            let Some(AttributeValue::S(sk)) = item.get("SK") else {
                continue;
            };
            let Some((day, dim)) = sk.split_once('#') else {
                continue;
            };
            let (Ok(day), Some(dim)) = (day.parse::<Date>(), Dim::parse(dim)) else {
                continue;
            };
            let mut counters = Counters::default();
            for (name, value) in &item {
                if let AttributeValue::N(v) = value
                    && let Ok(v) = v.parse::<i64>()
                {
                    counters.add(name, v);
                }
            }
            out.push(Rollup { day, dim, counters });
        }
        Ok(out)
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
