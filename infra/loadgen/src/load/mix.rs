//! What the simulated customers send: a short conversation each (a greeting in their language,
//! a choice from the bot's menu as a list or button reply, an image or a voice note, a
//! question), and the delivery statuses WhatsApp reports for the bot's replies — as webhook
//! bodies shaped like the WhatsApp Cloud API's, one message or status per webhook.

use serde_json::{Value, json};
use turno_tests::WORKSPACE;

/// A customer's language; customers are spread evenly over the three.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Es,
    En,
    Pt,
}

const LANGS: [Lang; 3] = [Lang::Es, Lang::En, Lang::Pt];

/// The kinds of inbound message in the mix, for counting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Interactive,
    Media,
}

/// Greetings that start (or restart) a conversation, per language.
const GREETINGS: [(Lang, &[&str]); 3] = [
    (Lang::Es, &["hola", "hola, buenas tardes", "buenos días"]),
    (Lang::En, &["hello", "hi there", "good morning"]),
    (Lang::Pt, &["olá", "oi, boa tarde", "bom dia"]),
];

/// Questions the bot answers from its configuration, per language.
const QUESTIONS: [(Lang, &[&str]); 3] = [
    (
        Lang::Es,
        &[
            "¿cuál es el horario de la tienda?",
            "¿qué formas de pago aceptáis?",
        ],
    ),
    (
        Lang::En,
        &[
            "what are your opening hours?",
            "which payment methods do you accept?",
        ],
    ),
    (
        Lang::Pt,
        &[
            "qual é o horário da loja?",
            "quais formas de pagamento vocês aceitam?",
        ],
    ),
];

/// Customer `n` of the pool: a phone number and a language.
pub fn customer(n: u64) -> (String, Lang) {
    (
        format!("5511{:09}", 300_000_000 + n),
        LANGS[(n % 3) as usize],
    )
}

fn pick<'a>(table: &[(Lang, &'a [&'a str])], lang: Lang, n: u64) -> &'a str {
    let texts = table
        .iter()
        .find(|(l, _)| *l == lang)
        .map(|(_, t)| *t)
        .unwrap_or(&["hola"]);
    texts
        .get((n as usize) % texts.len().max(1))
        .copied()
        .unwrap_or("hola")
}

/// The `step`th message of a customer's conversation (it starts over every four), with id
/// `wamid`, as the `messages[]` item of a webhook.
pub fn message(from: &str, lang: Lang, step: u64, wamid: &str, now_secs: i64) -> (Kind, Value) {
    let base = |kind: &str| json!({ "from": from, "id": wamid, "timestamp": now_secs.to_string(), "type": kind });
    let round = step / 4;
    match step % 4 {
        0 => {
            let mut m = base("text");
            m["text"] = json!({ "body": pick(&GREETINGS, lang, round) });
            (Kind::Text, m)
        }
        1 => {
            let mut m = base("interactive");
            // Menu option 2 (returns) or 3 (FAQs): both answered by the bot.
            let key = if round.is_multiple_of(2) { "3" } else { "2" };
            m["interactive"] = if round % 4 < 2 {
                json!({ "type": "list_reply", "list_reply": { "id": format!("menu:{key}"), "title": key } })
            } else {
                json!({ "type": "button_reply", "button_reply": { "id": format!("menu:{key}"), "title": key } })
            };
            (Kind::Interactive, m)
        }
        2 => {
            let media_id = format!("9{:011}", step + round * 7);
            let m = if round.is_multiple_of(2) {
                let mut m = base("image");
                m["image"] = json!({ "id": media_id, "mime_type": "image/jpeg", "sha256": "x" });
                m
            } else {
                let mut m = base("audio");
                m["audio"] =
                    json!({ "id": media_id, "mime_type": "audio/ogg; codecs=opus", "voice": true });
                m
            };
            (Kind::Media, m)
        }
        _ => {
            let mut m = base("text");
            m["text"] = json!({ "body": pick(&QUESTIONS, lang, round) });
            (Kind::Text, m)
        }
    }
}

/// A status (`sent`, `delivered`, `read`) of outbound message `id` to `to`, as a
/// `statuses[]` item.
pub fn status(id: &str, to: &str, state: &str, now_secs: i64) -> Value {
    json!({ "id": id, "status": state, "timestamp": now_secs.to_string(), "recipient_id": to })
}

/// One webhook with these messages (each from a customer named "Cliente") and statuses, in
/// one entry and one change, as Meta sends them.
pub fn webhook(messages: Vec<Value>, statuses: Vec<Value>) -> String {
    let contacts: Vec<Value> = messages
        .iter()
        .map(|m| json!({ "profile": { "name": "Cliente" }, "wa_id": m["from"] }))
        .collect();
    let mut value = json!({
        "messaging_product": "whatsapp",
        "metadata": { "display_phone_number": "15550783881", "phone_number_id": WORKSPACE },
    });
    if !messages.is_empty() {
        value["contacts"] = contacts.into();
        value["messages"] = messages.into();
    }
    if !statuses.is_empty() {
        value["statuses"] = statuses.into();
    }
    json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "102290129340398", "changes": [{ "field": "messages", "value": value }] }]
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_conversation_cycles_through_the_kinds() {
        let (from, lang) = customer(4);
        assert_eq!(lang, Lang::En);
        let kinds: Vec<Kind> = (0..8).map(|s| message(&from, lang, s, "w", 0).0).collect();
        use Kind::*;
        assert_eq!(
            kinds,
            [
                Text,
                Interactive,
                Media,
                Text,
                Text,
                Interactive,
                Media,
                Text
            ]
        );
        let (_, greeting) = message(&from, lang, 0, "w", 0);
        assert_eq!(greeting["text"]["body"], "hello");
        let (_, choice) = message(&from, lang, 1, "w", 0);
        assert_eq!(choice["interactive"]["list_reply"]["id"], "menu:3");
        let (_, voice) = message(&from, lang, 6, "w", 0);
        assert_eq!(voice["type"], "audio");
    }

    #[test]
    fn webhooks_hold_what_they_are_given() {
        let (_, m) = message("551100", Lang::Es, 0, "wamid.x", 5);
        let body: Value = serde_json::from_str(&webhook(vec![m], vec![])).unwrap();
        let value = &body["entry"][0]["changes"][0]["value"];
        assert_eq!(value["messages"][0]["id"], "wamid.x");
        assert_eq!(value["contacts"][0]["wa_id"], "551100");
        assert!(value.get("statuses").is_none());
        let s = status("wamid.out.1", "551100", "read", 5);
        let body: Value = serde_json::from_str(&webhook(vec![], vec![s])).unwrap();
        let value = &body["entry"][0]["changes"][0]["value"];
        assert_eq!(value["statuses"][0]["status"], "read");
        assert!(value.get("messages").is_none());
    }
}
