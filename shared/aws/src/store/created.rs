//! Tickets by creation time on DynamoDB, for the conversation export.
//!
//! GSI12 holds every ticket under `WS#<ws>#CREATED`, sorted by `<created at, ms>#<id>`, and
//! projects the keys and `team` only. Neither key ever changes and `team` changes only on a
//! transfer between teams, so the index is written once when a ticket is created (and again on
//! such a transfer), not on every ticket write as an `ALL` projection would be; in exchange a
//! page reads its tickets with one `BatchGetItem` of at most 100 keys after the index query.
//! A team's page filters on the projected `team` inside the index.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use jiff::Timestamp;
use turno_core::desk::ticket::Ticket;
use turno_core::kernel::ids::WorkspaceId;
use turno_core::ports::{CreatedCursor, CreatedRange, StoreError};

use super::{DynamoStore, Item, from_item, s, sort_time};

/// The creation index, as in `template.yaml`.
pub const CREATED_INDEX: &str = "GSI12";

fn created_pk(ws: &WorkspaceId) -> String {
    format!("WS#{ws}#CREATED")
}

fn ms_key(ms: i64) -> String {
    sort_time(Timestamp::from_millisecond(ms).unwrap_or(Timestamp::MIN))
}

fn cursor_sk(c: &CreatedCursor) -> String {
    format!("{}#{}", ms_key(c.created_ms), c.id)
}

/// The creation index attributes of a ticket item.
pub(super) fn created_keys(t: &Ticket) -> Item {
    HashMap::from([
        (format!("{CREATED_INDEX}PK"), s(created_pk(&t.workspace))),
        (
            format!("{CREATED_INDEX}SK"),
            s(cursor_sk(&CreatedCursor::of(t))),
        ),
    ])
}

impl DynamoStore {
    pub(super) async fn created_page(
        &self,
        ws: &WorkspaceId,
        range: &CreatedRange,
        after: Option<&CreatedCursor>,
        limit: u32,
    ) -> Result<(Vec<Ticket>, Option<CreatedCursor>), StoreError> {
        if limit == 0 {
            return Ok((Vec::new(), None));
        }
        // `BETWEEN` is inclusive: the cursor's own item may come back first and is skipped.
        // Every `<ms>#<id>` of a time before `to` sorts below `to`'s bare time.
        let low = after.map_or_else(|| ms_key(range.from.as_millisecond()), cursor_sk);
        let high = ms_key(range.to.as_millisecond());
        if low >= high {
            return Ok((Vec::new(), None));
        }
        let skip = after.map(cursor_sk);
        let take = limit as usize + 1 + usize::from(skip.is_some());
        let mut values: Item = HashMap::from([
            (":pk".to_owned(), s(created_pk(ws))),
            (":low".to_owned(), s(low)),
            (":high".to_owned(), s(high)),
        ]);
        let mut names = HashMap::new();
        let filter = range.team.as_ref().map(|team| {
            values.insert(":team".into(), s(team.as_str()));
            names.insert("#team".to_owned(), "team".to_owned());
            "#team = :team".to_owned()
        });
        let keys = self
            .query_all(
                "read tickets by creation",
                || {
                    self.client
                        .query()
                        .table_name(&self.table)
                        .index_name(CREATED_INDEX)
                        .key_condition_expression(format!(
                            "{CREATED_INDEX}PK = :pk AND {CREATED_INDEX}SK BETWEEN :low AND :high"
                        ))
                        .set_filter_expression(filter.clone())
                        .set_expression_attribute_names(super::non_empty(names.clone()))
                        .set_expression_attribute_values(Some(values.clone()))
                        .limit(i32::try_from(take).unwrap_or(i32::MAX))
                },
                Some(take),
            )
            .await?;
        let sk_name = format!("{CREATED_INDEX}SK");
        let mut keys: Vec<Item> = keys
            .into_iter()
            .filter(|k| match (k.get(&sk_name), &skip) {
                (Some(AttributeValue::S(sk)), Some(skip)) => sk != skip,
                _ => true,
            })
            .map(|k| {
                k.into_iter()
                    .filter(|(name, _)| name == "PK" || name == "SK")
                    .collect()
            })
            .collect();
        let more = keys.len() > limit as usize;
        keys.truncate(limit as usize);
        let tickets = self.tickets_by_key(keys).await?;
        let next = more
            .then(|| tickets.last().map(CreatedCursor::of))
            .flatten();
        Ok((tickets, next))
    }

    /// The tickets under `keys`, in the order of `keys` (a ticket gone meanwhile is left out).
    async fn tickets_by_key(&self, keys: Vec<Item>) -> Result<Vec<Ticket>, StoreError> {
        let pk_of = |item: &Item| match item.get("PK") {
            Some(AttributeValue::S(pk)) => pk.clone(),
            _ => String::new(),
        };
        let order: Vec<String> = keys.iter().map(pk_of).collect();
        let mut found: HashMap<String, Item> = self
            .batch_get(&keys, false, "read tickets by creation")
            .await?
            .into_iter()
            .map(|item| (pk_of(&item), item))
            .collect();
        order
            .iter()
            .filter_map(|pk| found.remove(pk))
            .map(|item| from_item(item, "ticket"))
            .collect()
    }
}
