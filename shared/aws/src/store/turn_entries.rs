//! The transcript entries a turn's commit writes, several in one item.
//!
//! A turn's commit carries its customer's message and the replies it sent before the commit,
//! entries of one ticket and one customer, none of them claiming its message id (see
//! [`commit_turn`](turno_core::ports::ConversationStore::commit_turn)). Written as one item
//! (`entries`: a list of what each entry holds beyond its ticket partition and customer,
//! `customer` once), they cost one write unit per KB of the whole rather than one item each:
//! a greeting and its two replies, a kilobyte and a half as three items, fit in one.
//!
//! The item's sort key is the one the first entry would have alone (`ENTRY#<at>#<message
//! id>`), so the same commit sent again lands on the same item. A transcript read expands
//! the item and places each entry by the sort key it would have had alone: the transcript
//! reads as if each entry had its own item.

use serde::{Deserialize, Serialize};
use turno_core::channel::message::{Amended, Author, Body, DeliveryState, TranscriptEntry};
use turno_core::kernel::ids::{MessageId, TicketId, WaId, WorkspaceId};

use super::{ENTRY_PREFIX, Item, StoreError, attr, from_item, key, s, sort_time, ticket_pk};

/// The attribute holding a turn item's entries.
pub(super) const ENTRIES: &str = "entries";

/// One entry of a turn's item: what its item does not hold for every entry.
#[derive(Serialize, Deserialize)]
struct Packed {
    message_id: MessageId,
    author: Author,
    at: jiff::Timestamp,
    body: Body,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    delivery: Option<DeliveryState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    delivery_error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    amended: Option<Box<Amended>>,
}

/// The sort key an entry has in an item of its own, put under its time and message id.
pub(super) fn sent_entry_sk(entry: &TranscriptEntry) -> String {
    format!("{ENTRY_PREFIX}{}#{}", sort_time(entry.at), entry.message_id)
}

/// `entries`, each given once (by workspace, message id and time), as the items that hold
/// them: one item for the run of entries that share the first one's ticket and customer, and
/// one item each for any other (`single` makes those).
pub(super) fn turn_entry_items(
    entries: &[&TranscriptEntry],
    single: impl Fn(&TranscriptEntry) -> anyhow::Result<Item>,
) -> anyhow::Result<Vec<Item>> {
    let mut unique: Vec<&TranscriptEntry> = Vec::with_capacity(entries.len());
    for e in entries {
        let repeated = unique
            .iter()
            .any(|o| o.workspace == e.workspace && o.message_id == e.message_id && o.at == e.at);
        if !repeated {
            unique.push(e);
        }
    }
    let Some(first) = unique.first().copied() else {
        return Ok(Vec::new());
    };
    let (together, apart): (Vec<&TranscriptEntry>, Vec<&TranscriptEntry>) =
        unique.iter().partition(|e| {
            e.workspace == first.workspace
                && e.ticket_id == first.ticket_id
                && e.customer == first.customer
        });
    let mut items = Vec::with_capacity(1 + apart.len());
    if together.len() == 1 {
        items.push(single(first)?);
    } else {
        let packed: Vec<Packed> = together
            .iter()
            .map(|e| Packed {
                message_id: e.message_id.clone(),
                author: e.author.clone(),
                at: e.at,
                body: e.body.clone(),
                delivery: e.delivery,
                delivery_error: e.delivery_error.clone(),
                amended: e.amended.clone(),
            })
            .collect();
        let mut item = key(
            ticket_pk(&first.workspace, &first.ticket_id),
            sent_entry_sk(first),
        );
        item.insert("customer".into(), s(first.customer.as_str()));
        item.insert(ENTRIES.into(), attr(&packed)?);
        items.push(item);
    }
    for e in apart {
        items.push(single(e)?);
    }
    Ok(items)
}

/// The entries a stored transcript item holds, each with the sort key it would have in an
/// item of its own: the item's own for an entry alone.
pub(super) fn entries_of(
    item: Item,
    ws: &WorkspaceId,
    ticket: &TicketId,
) -> Result<Vec<(String, TranscriptEntry)>, StoreError> {
    let sk = match item.get("SK") {
        Some(aws_sdk_dynamodb::types::AttributeValue::S(sk)) => sk.clone(),
        _ => String::new(),
    };
    if !item.contains_key(ENTRIES) {
        return Ok(vec![(sk, from_item(item, "transcript entry")?)]);
    }
    #[derive(Deserialize)]
    struct Turn {
        customer: WaId,
        entries: Vec<Packed>,
    }
    let turn: Turn = from_item(item, "turn's transcript entries")?;
    Ok(turn
        .entries
        .into_iter()
        .map(|p| {
            let entry = TranscriptEntry {
                workspace: ws.clone(),
                ticket_id: ticket.clone(),
                message_id: p.message_id,
                customer: turn.customer.clone(),
                author: p.author,
                at: p.at,
                body: p.body,
                delivery: p.delivery,
                delivery_error: p.delivery_error,
                amended: p.amended,
            };
            (sent_entry_sk(&entry), entry)
        })
        .collect())
}

/// The message ids a transcript item holds: its own, or its entries'.
pub(super) fn message_ids(item: &Item) -> Vec<String> {
    use aws_sdk_dynamodb::types::AttributeValue;
    if let Some(AttributeValue::S(id)) = item.get("message_id") {
        return vec![id.clone()];
    }
    let Some(AttributeValue::L(entries)) = item.get(ENTRIES) else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|e| match e {
            AttributeValue::M(m) => match m.get("message_id") {
                Some(AttributeValue::S(id)) => Some(id.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;
    use turno_core::channel::message::{Author, Body, Content, Outbound, TranscriptEntry};
    use turno_core::kernel::ids::{MessageId, TicketId, WaId, WorkspaceId};

    use super::{entries_of, message_ids, sent_entry_sk, turn_entry_items};
    use crate::store::DynamoStore;

    fn entry(ticket: &TicketId, id: &str, at: i64, author: Author) -> TranscriptEntry {
        let body = match author {
            Author::Customer => Body::Inbound {
                content: Content::Text {
                    body: "hola".into(),
                },
                context: None,
            },
            _ => Body::Outbound {
                message: Outbound::text("¡Hola!"),
            },
        };
        TranscriptEntry {
            workspace: WorkspaceId::parse("ws1").unwrap(),
            ticket_id: ticket.clone(),
            message_id: MessageId::parse(id).unwrap(),
            customer: WaId::parse("34600111222").unwrap(),
            author,
            at: Timestamp::from_second(at).unwrap(),
            body,
            delivery: None,
            delivery_error: None,
            amended: None,
        }
    }

    #[test]
    fn a_turns_entries_share_one_item_and_read_back_as_if_each_had_its_own() {
        let ticket = TicketId::generate();
        let other = TicketId::generate();
        let own = entry(&ticket, "wamid.in", 10, Author::Customer);
        let reply = entry(&ticket, "wamid.out1", 11, Author::Bot);
        let second = entry(&ticket, "wamid.out2", 12, Author::Bot);
        let elsewhere = entry(&other, "wamid.x", 12, Author::Bot);
        let given = [&own, &reply, &reply, &second, &elsewhere];
        let items = turn_entry_items(&given, DynamoStore::sent_entry_item).unwrap();
        assert_eq!(
            items.len(),
            2,
            "the turn's item and the other ticket's entry"
        );
        let ws = own.workspace.clone();
        let read = entries_of(items[0].clone(), &ws, &ticket).unwrap();
        let expected: Vec<(String, TranscriptEntry)> = [&own, &reply, &second]
            .iter()
            .map(|e| (sent_entry_sk(e), (*e).clone()))
            .collect();
        assert_eq!(read, expected);
        assert_eq!(
            message_ids(&items[0]),
            ["wamid.in", "wamid.out1", "wamid.out2"]
        );
        let alone = entries_of(items[1].clone(), &ws, &other).unwrap();
        assert_eq!(alone, vec![(sent_entry_sk(&elsewhere), elsewhere.clone())]);
        assert_eq!(message_ids(&items[1]), ["wamid.x"]);
        // One entry alone keeps an item of its own.
        let one = turn_entry_items(&[&own], DynamoStore::sent_entry_item).unwrap();
        assert_eq!(one, vec![DynamoStore::sent_entry_item(&own).unwrap()]);
    }
}
