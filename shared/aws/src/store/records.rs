//! [`RecordStore`] on DynamoDB.

use anyhow::{Context, anyhow};
use async_trait::async_trait;
use turno_core::kernel::ids::WorkspaceId;
use turno_core::ports::records::{Record, RecordKind};
use turno_core::ports::{RecordStore, StoreError};

use super::{CondPut, DynamoStore, Item, n, record_key, records_pk, s, unexpected};

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
                || {
                    self.client
                        .query()
                        .table_name(&self.table)
                        .key_condition_expression("PK = :pk")
                        .expression_attribute_values(":pk", s(pk.clone()))
                        .consistent_read(true)
                },
                None,
            )
            .await?;
        items.into_iter().map(record_from_item).collect()
    }

    async fn put_record(&self, record: &mut Record) -> Result<(), StoreError> {
        let next = record.version + 1;
        let mut stored = record.clone();
        stored.version = next;
        let body = serde_json::to_string(&stored).context("cannot write a record as JSON")?;
        let mut item = record_key(&record.workspace, record.kind, &record.key);
        item.insert("version".into(), n(next));
        item.insert("body".into(), s(body));
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
