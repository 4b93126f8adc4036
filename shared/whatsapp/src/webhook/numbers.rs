//! The phone number ids a delivery names, read before its signature is checked, to know which
//! Meta app's secret must have signed it. Only `entry[].changes[].value.metadata
//! .phone_number_id` is read; everything else is skipped unparsed.

use std::collections::BTreeSet;

use serde_json::Value;

/// The distinct phone number ids the delivery's changes name, in order, found where
/// [`parse`](super::parse) finds each change's workspace (`entry[].changes[]
/// .value.metadata.phone_number_id`, a string), so that no change is attributed to a number
/// not listed here. `None` if the body is not JSON (then nothing in it is attributed).
pub fn phone_number_ids(raw_body: &[u8]) -> Option<Vec<String>> {
    super::Delivery::read(raw_body).phone_number_ids()
}

/// [`phone_number_ids`] of a body already parsed.
pub(super) fn ids_in(root: &Value) -> Vec<String> {
    let mut ids = BTreeSet::new();
    let entries = root.get("entry").and_then(Value::as_array);
    for entry in entries.into_iter().flatten() {
        let changes = entry.get("changes").and_then(Value::as_array);
        for change in changes.into_iter().flatten() {
            if let Some(id) = change
                .pointer("/value/metadata/phone_number_id")
                .and_then(Value::as_str)
            {
                ids.insert(id.to_owned());
            }
        }
    }
    ids.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_numbers_of_every_change_are_read_and_nothing_else_matters() {
        let body = br#"{"object":"whatsapp_business_account","entry":[
            {"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp",
              "metadata":{"display_phone_number":"1","phone_number_id":"222"},"messages":[{"x":1}]}}]},
            {"id":"2","changes":[{"value":{"metadata":{"phone_number_id":"111"}}},
              {"value":{"statuses":[]}}]}]}"#;
        assert_eq!(
            phone_number_ids(body),
            Some(vec!["111".to_owned(), "222".to_owned()])
        );
        assert_eq!(phone_number_ids(b"not json"), None);
        assert_eq!(phone_number_ids(b"{}"), Some(vec![]));
    }
}
