use std::collections::BTreeMap;

use super::*;
use crate::kernel::lang::Lang;

fn wa(n: &str) -> WaId {
    WaId::parse(n).unwrap()
}

fn conversation(customer: &str, last: Option<i64>, ticket: Option<&str>) -> Conversation {
    let mut c = Conversation::new(WorkspaceId::parse("ws").unwrap(), wa(customer), Lang::Es);
    c.last_customer_message_at = last.map(|s| Timestamp::from_second(s).unwrap());
    c.ticket_id = ticket.map(|t| TicketId::parse(t).unwrap());
    c
}

#[test]
fn profile_keeps_the_new_numbers_fields_and_takes_the_old_ones_where_it_has_none() {
    let old = CustomerProfile {
        name: Some("Lucía".into()),
        tags: vec!["vip".into(), "mayorista".into()],
        attributes: BTreeMap::from([
            ("plan".into(), "oro".into()),
            ("city".into(), "Vigo".into()),
        ]),
        marketing_consent: Some(true),
        consent_updated_at: Some(Timestamp::from_second(10).unwrap()),
    };
    let new = CustomerProfile {
        tags: vec!["nuevo".into(), "vip".into()],
        attributes: BTreeMap::from([("city".into(), "Lugo".into())]),
        ..CustomerProfile::default()
    };
    let merged = merge_profiles(&old, &new);
    assert_eq!(merged.name.as_deref(), Some("Lucía"));
    assert_eq!(merged.tags, vec!["nuevo", "vip", "mayorista"]);
    assert_eq!(merged.attributes["city"], "Lugo");
    assert_eq!(merged.attributes["plan"], "oro");
    assert_eq!(merged.marketing_consent, Some(true));
    assert_eq!(merged.consent_updated_at, old.consent_updated_at);
    assert_eq!(
        merge_profiles(&old, &merged),
        merged,
        "merging again changes nothing"
    );
}

#[test]
fn the_conversation_written_from_last_continues_and_merging_again_changes_nothing() {
    let to = wa("34600999888");
    let old = conversation("34600111222", Some(200), Some("t-old"));
    let mut new = conversation("34600999888", Some(100), None);
    new.version = 3;
    let merged = merge_conversations(&old, Some(&new), &to);
    assert_eq!(merged.customer, to);
    assert_eq!(
        merged.version, 3,
        "written over the new number's stored copy"
    );
    assert_eq!(merged.ticket_id, old.ticket_id);
    assert_eq!(
        merged.last_customer_message_at,
        old.last_customer_message_at
    );
    assert_eq!(merge_conversations(&old, Some(&merged), &to), merged);

    let newer = conversation("34600999888", Some(300), Some("t-new"));
    let merged = merge_conversations(&old, Some(&newer), &to);
    assert_eq!(merged.ticket_id, newer.ticket_id);
    assert_eq!(
        merged.last_customer_message_at,
        newer.last_customer_message_at
    );

    let alone = merge_conversations(&old, None, &to);
    assert_eq!((alone.version, &alone.customer), (0, &to));
    assert_eq!(alone.ticket_id, old.ticket_id);
}
