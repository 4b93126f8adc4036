//! Smaller items: what an item may leave out and still read back the same.

use aws_sdk_dynamodb::types::AttributeValue;

use super::Item;

/// `item` without its NULL values, in nested maps too (a list keeps its elements): a field
/// left out reads back as `None`, as a NULL does, and the item is smaller (a ticket's eight
/// empty times and references at its creation are a tenth of it).
pub(super) fn without_nulls(item: Item) -> Item {
    item.into_iter()
        .filter(|(_, v)| !matches!(v, AttributeValue::Null(_)))
        .map(|(k, v)| (k, nulls_dropped(v)))
        .collect()
}

fn nulls_dropped(value: AttributeValue) -> AttributeValue {
    match value {
        AttributeValue::M(m) => AttributeValue::M(without_nulls(m)),
        AttributeValue::L(l) => AttributeValue::L(l.into_iter().map(nulls_dropped).collect()),
        v => v,
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::types::AttributeValue;
    use jiff::Timestamp;
    use turno_core::desk::ticket::{Ticket, TicketStatus};
    use turno_core::kernel::ids::{AgentId, WaId, WorkspaceId};

    use crate::store::{from_item, ticket_item};

    #[test]
    fn a_ticket_item_leaves_out_nulls_and_a_bot_ticket_the_views_its_group_serves() {
        let ws = WorkspaceId::parse("ws").unwrap();
        let customer = WaId::parse("34600111222").unwrap();
        let mut t = Ticket::new(
            ws,
            customer,
            None,
            Default::default(),
            Timestamp::UNIX_EPOCH,
        );
        t.record(Timestamp::UNIX_EPOCH, None, "created", None);
        fn has_null(v: &AttributeValue) -> bool {
            match v {
                AttributeValue::Null(_) => true,
                AttributeValue::M(m) => m.values().any(has_null),
                AttributeValue::L(l) => l.iter().any(has_null),
                _ => false,
            }
        }
        let item = ticket_item(&t, 1).unwrap();
        assert!(!item.values().any(has_null), "{item:?}");
        let AttributeValue::L(audit) = &item["audit"] else {
            panic!("the audit is a list");
        };
        assert_eq!(audit.len(), 1, "a list keeps its elements");
        assert!(item.contains_key("GSI6PK"));
        assert!(!item.contains_key("GSI5PK") && !item.contains_key("GSI9PK"));
        let back: Ticket = from_item(item, "ticket").unwrap();
        assert_eq!(
            back,
            Ticket {
                version: 1,
                ..t.clone()
            }
        );

        t.assignee = Some(AgentId::parse("ana").unwrap());
        let item = ticket_item(&t, 1).unwrap();
        assert!(item.contains_key("GSI9PK") && !item.contains_key("GSI5PK"));
        t.assignee = None;
        t.status = TicketStatus::Resolved;
        let item = ticket_item(&t, 1).unwrap();
        assert!(item.contains_key("GSI5PK") && item.contains_key("GSI9PK"));
    }
}
