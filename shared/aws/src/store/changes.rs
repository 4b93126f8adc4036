//! [`ChangeFeed`] on DynamoDB.

use anyhow::{Context, anyhow};
use async_trait::async_trait;
use jiff::SignedDuration;
use turno_core::kernel::ids::WorkspaceId;
use turno_core::ports::records::{Change, change_cursor};
use turno_core::ports::{ChangeFeed, StoreError};

use super::{CondPut, DynamoStore, changes_pk, key, n, s};

/// How long the change feed keeps an entry (TTL).
const CHANGE_TTL: SignedDuration = SignedDuration::from_hours(24);

#[async_trait]
impl ChangeFeed for DynamoStore {
    async fn append_change(&self, change: &Change) -> Result<(), StoreError> {
        let cursor = change_cursor(change.at, &uuid::Uuid::now_v7().simple().to_string());
        let mut stored = change.clone();
        stored.cursor = cursor.clone();
        let body = serde_json::to_string(&stored).context("cannot write a change as JSON")?;
        let expires = change
            .at
            .saturating_add(CHANGE_TTL)
            .unwrap_or(change.at)
            .as_second();
        let mut item = key(changes_pk(&change.workspace), cursor);
        item.insert("body".into(), s(body));
        item.insert("expires_at".into(), n(expires));
        self.put("append change", CondPut::new_record(item)).await?;
        Ok(())
    }

    async fn latest_change(&self, ws: &WorkspaceId) -> Result<Option<String>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", s(changes_pk(ws)))
            .projection_expression("SK")
            .scan_index_forward(false)
            .consistent_read(true)
            .limit(1)
            .send()
            .await
            .map_err(super::unexpected("read the latest change"))?;
        Ok(out
            .items
            .unwrap_or_default()
            .into_iter()
            .next()
            .and_then(|mut i| match i.remove("SK") {
                Some(aws_sdk_dynamodb::types::AttributeValue::S(k)) => Some(k),
                _ => None,
            }))
    }

    async fn changes_since(
        &self,
        ws: &WorkspaceId,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Change>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let pk = changes_pk(ws);
        // The empty string is not a valid key value; "0" sorts before every cursor.
        let after = after.filter(|a| !a.is_empty()).unwrap_or("0").to_owned();
        let items = self
            .query_all(
                "read changes",
                || {
                    self.client
                        .query()
                        .table_name(&self.table)
                        .key_condition_expression("PK = :pk AND SK > :after")
                        .expression_attribute_values(":pk", s(pk.clone()))
                        .expression_attribute_values(":after", s(after.clone()))
                        .consistent_read(true)
                        .limit(i32::try_from(limit).unwrap_or(i32::MAX))
                },
                Some(limit as usize),
            )
            .await?;
        items
            .into_iter()
            .map(|item| {
                let body = item
                    .get("body")
                    .and_then(|v| v.as_s().ok())
                    .ok_or_else(|| anyhow!("a stored change has no body"))?;
                Ok(serde_json::from_str(body).context("a stored change does not read back")?)
            })
            .collect()
    }
}
