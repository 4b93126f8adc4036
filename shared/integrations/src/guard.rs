//! What keeps a call to the business's API within bounds whatever a customer types or the API
//! answers: slot values stay inside their own path segment, and answers have a size limit.

use turno_core::bot::flow::{ActionConfig, Vars, render};

/// The largest answer read from an API (1 MiB): an order lookup is a few kilobytes, and
/// anything far bigger would only hold a bot turn's memory.
pub const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// The action's URL with every slot value percent-encoded as one path segment: only
/// unreserved letters, digits, `-`, `_` and `~` stay as they are, so `/`, `?`, `#`, `%` and `.`
/// cannot change which resource is asked for. A segment that would still read as `.` or `..`
/// (a value of only dots, encoded or not) is refused: URL parsers resolve `%2E%2E` like `..`.
pub fn action_url(action: &ActionConfig, vars: &Vars) -> Result<String, String> {
    let encoded: Vars = vars
        .iter()
        .map(|(k, v)| (k.clone(), path_segment(v)))
        .collect();
    let url = render(&action.url, &encoded);
    if has_dot_segment(&url) {
        return Err("a slot value would make a `.` or `..` path segment; refused".into());
    }
    Ok(url)
}

fn path_segment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn has_dot_segment(url: &str) -> bool {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme
        .find('/')
        .map_or("", |i| &after_scheme[i..])
        .split(['?', '#'])
        .next()
        .unwrap_or_default();
    path.split('/').any(|segment| {
        let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
        decoded == "." || decoded == ".."
    })
}

/// Why an answer could not be read in full.
#[derive(Debug)]
pub enum ReadError {
    TooLarge,
    Transport(reqwest::Error),
}

/// The answer's body, read chunk by chunk and given up past `limit` bytes, so a huge or
/// endless answer costs at most `limit` of memory.
pub async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, ReadError> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(ReadError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(ReadError::Transport)? {
        if body.len().saturating_add(chunk.len()) > limit {
            return Err(ReadError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn action(url: &str) -> ActionConfig {
        serde_json::from_value(serde_json::json!({ "url": url })).unwrap()
    }

    fn vars(n: &str) -> Vars {
        Vars::from([("n".to_owned(), n.to_owned())])
    }

    #[test]
    fn slot_values_become_one_path_segment() {
        let a = action("https://shop.example/orders/{n}/lines?x=1");
        let url = |n: &str| action_url(&a, &vars(n)).unwrap();
        assert_eq!(
            url("a/b?c#d%e"),
            "https://shop.example/orders/a%2Fb%3Fc%23d%25e/lines?x=1"
        );
        assert_eq!(url("1.2"), "https://shop.example/orders/1%2E2/lines?x=1");
        assert_eq!(
            url("..."),
            "https://shop.example/orders/%2E%2E%2E/lines?x=1"
        );
        assert_eq!(
            url("ñ 1"),
            "https://shop.example/orders/%C3%B1%201/lines?x=1"
        );
        assert_eq!(
            url("A-z_9~"),
            "https://shop.example/orders/A-z_9~/lines?x=1"
        );
    }

    #[test]
    fn a_value_that_would_still_be_a_dot_segment_is_refused() {
        let a = action("https://shop.example/orders/{n}");
        for n in [".", "..", ""] {
            let got = action_url(&a, &vars(n));
            if n.is_empty() {
                assert!(got.is_ok(), "an empty value is an empty segment");
            } else {
                assert!(got.is_err(), "{n:?}");
            }
        }
        let joined = action("https://shop.example/orders/.{n}");
        assert!(action_url(&joined, &vars(".")).is_err());
        let query = action("https://shop.example/orders?n={n}");
        assert!(
            action_url(&query, &vars("..")).is_ok(),
            "only the path matters"
        );
    }
}
