//! [`RecordStore`] on DynamoDB.

use std::collections::HashMap;

use anyhow::{Context, anyhow};
use async_trait::async_trait;
use turno_core::kernel::ids::WorkspaceId;
use turno_core::ports::records::{Record, RecordKind, RecordPage, record_cursor};
use turno_core::ports::{RecordStore, StoreError};

use super::{
    CondPut, DynamoStore, Item, WORKSPACE_TICKETS_INDEX, n, record_key, records_pk, s, unexpected,
};

fn record_from_item(item: Item) -> Result<Record, StoreError> {
    let body = item
        .get("body")
        .and_then(|v| v.as_s().ok())
        .ok_or_else(|| anyhow!("a stored record has no body"))?;
    let version = item
        .get("version")
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or_else(|| anyhow!("a stored record has no version"))?;
    let mut record: Record =
        serde_json::from_str(body).context("a stored record does not read back")?;
    record.version = version;
    Ok(record)
}

#[async_trait]
impl RecordStore for DynamoStore {
    async fn record(
        &self,
        ws: &WorkspaceId,
        kind: RecordKind,
        key: &str,
    ) -> Result<Option<Record>, StoreError> {
        self.get("read record", record_key(ws, kind, key))
            .await?
            .map(record_from_item)
            .transpose()
    }

    async fn records(&self, ws: &WorkspaceId, kind: RecordKind) -> Result<Vec<Record>, StoreError> {
        let pk = records_pk(ws, kind);
        let items = self
            .query_all(
                "list records",
                || self.partition_query(pk.clone()).consistent_read(true),
                None,
            )
            .await?;
        items.into_iter().map(record_from_item).collect()
    }

    async fn records_page(
        &self,
        ws: &WorkspaceId,
        kind: RecordKind,
        after: Option<&str>,
        limit: u32,
    ) -> Result<RecordPage, StoreError> {
        let pk = records_pk(ws, kind);
        let after = after.filter(|a| !a.is_empty());
        let wanted = limit as usize + 1;
        let items = self
            .query_all(
                "list records",
                || {
                    let mut values = HashMap::from([(":pk".to_owned(), s(pk.clone()))]);
                    let condition = match after {
                        Some(a) => {
                            values.insert(":after".to_owned(), s(a));
                            "GSI4PK = :pk AND GSI4SK < :after"
                        }
                        None => "GSI4PK = :pk",
                    };
                    self.client
                        .query()
                        .table_name(&self.table)
                        .index_name(WORKSPACE_TICKETS_INDEX)
                        .key_condition_expression(condition)
                        .set_expression_attribute_values(Some(values))
                        .scan_index_forward(false)
                        .limit(i32::try_from(wanted).unwrap_or(i32::MAX))
                },
                Some(wanted),
            )
            .await?;
        let mut cursors = Vec::with_capacity(items.len());
        let mut records = Vec::with_capacity(items.len());
        for item in items {
            cursors.push(
                item.get("GSI4SK")
                    .and_then(|v| v.as_s().ok())
                    .cloned()
                    .unwrap_or_default(),
            );
            records.push(record_from_item(item)?);
        }
        Ok(RecordPage::from_overfetch(records, cursors, limit))
    }

    async fn put_record(&self, record: &mut Record) -> Result<(), StoreError> {
        let next = record.version + 1;
        let mut stored = record.clone();
        stored.version = next;
        let body = serde_json::to_string(&stored).context("cannot write a record as JSON")?;
        let mut item = record_key(&record.workspace, record.kind, &record.key);
        item.insert("version".into(), n(next));
        item.insert("body".into(), s(body));
        // The records of a kind share GSI4 with the ticket lists, in partitions of their own.
        item.insert(
            "GSI4PK".into(),
            s(records_pk(&record.workspace, record.kind)),
        );
        item.insert("GSI4SK".into(), s(record_cursor(record)));
        if !self
            .put("save record", CondPut::versioned(item, record.version))
            .await?
        {
            return Err(StoreError::Conflict);
        }
        record.version = next;
        Ok(())
    }

    async fn delete_record(
        &self,
        ws: &WorkspaceId,
        kind: RecordKind,
        key: &str,
    ) -> Result<bool, StoreError> {
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(record_key(ws, kind, key)))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .map_err(unexpected("delete record"))?;
        Ok(out.attributes.is_some_and(|a| !a.is_empty()))
    }
}
