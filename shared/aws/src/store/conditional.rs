//! Conditional writes: a put with the condition that makes it safe, alone or in a
//! transaction, and what stopped a transaction that did not commit.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};

use super::{Item, n, sdk_error};

/// A put with its condition, usable alone or in a transaction.
pub(super) struct CondPut {
    pub(super) item: Item,
    pub(super) condition: String,
    pub(super) names: HashMap<String, String>,
    pub(super) values: Item,
}

impl CondPut {
    /// A put of a versioned record that read `version`: absent for 0, else stored at `version`.
    pub(super) fn versioned(item: Item, version: u64) -> Self {
        if version == 0 {
            CondPut::new_record(item)
        } else {
            CondPut {
                item,
                condition: "#version = :read_version".into(),
                names: HashMap::from([("#version".into(), "version".into())]),
                values: HashMap::from([(":read_version".into(), n(version))]),
            }
        }
    }

    pub(super) fn new_record(item: Item) -> Self {
        CondPut {
            item,
            condition: "attribute_not_exists(PK)".into(),
            names: HashMap::new(),
            values: HashMap::new(),
        }
    }

    pub(super) fn into_transact(self, table: &str) -> anyhow::Result<TransactWriteItem> {
        let put = Put::builder()
            .table_name(table)
            .set_item(Some(self.item))
            .condition_expression(self.condition)
            .set_expression_attribute_names(non_empty(self.names))
            .set_expression_attribute_values(non_empty(self.values))
            .build()?;
        Ok(TransactWriteItem::builder().put(put).build())
    }
}

pub(super) fn non_empty<V>(map: HashMap<String, V>) -> Option<HashMap<String, V>> {
    (!map.is_empty()).then_some(map)
}

/// What stopped a transaction.
pub(super) enum TxFailure {
    /// The conditions of these items (by position) failed.
    Conditions(Vec<usize>),
    /// Lost to a concurrent transaction or throttled: nothing was written, try again.
    Retry,
    Other(anyhow::Error),
}

pub(super) fn tx_failure(err: SdkError<TransactWriteItemsError>, op: &str) -> TxFailure {
    if let Some(TransactWriteItemsError::TransactionCanceledException(e)) = err.as_service_error() {
        let reasons = e.cancellation_reasons();
        let failed: Vec<usize> = reasons
            .iter()
            .enumerate()
            .filter(|(_, r)| r.code() == Some("ConditionalCheckFailed"))
            .map(|(i, _)| i)
            .collect();
        if !failed.is_empty() {
            return TxFailure::Conditions(failed);
        }
        if reasons.iter().any(|r| {
            matches!(
                r.code(),
                Some("TransactionConflict" | "ThrottlingError" | "ProvisionedThroughputExceeded")
            )
        }) {
            return TxFailure::Retry;
        }
    }
    if let Some(TransactWriteItemsError::TransactionInProgressException(_)) = err.as_service_error()
    {
        return TxFailure::Retry;
    }
    TxFailure::Other(sdk_error(op, err))
}
