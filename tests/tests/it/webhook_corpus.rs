//! The webhook fixture corpus (`shared/whatsapp/tests/fixtures/corpus/`) through the whole
//! local runner: each delivery signed and posted, the queues worked, then what agents see
//! checked against what each delivery means. The bot answers customers' messages and nothing
//! else: no reply to reactions, edits, deletions, echoes, calls or system notices.

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::Value;
use turno_tests::TestApp;

#[derive(Deserialize)]
struct Expect {
    messages: usize,
    statuses: usize,
    preferences: usize,
    templates: usize,
    kinds: Vec<String>,
    quarantined: Vec<Value>,
    answered: bool,
}

fn corpus() -> Vec<(String, String, Expect)> {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/whatsapp/tests/fixtures/corpus");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("the corpus directory")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json") && !n.ends_with(".expect.json"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let stem = n.trim_end_matches(".json").to_owned();
            let body = std::fs::read_to_string(dir.join(&n)).expect("a delivery");
            let expect = std::fs::read(dir.join(format!("{stem}.expect.json"))).expect("expect");
            (
                stem,
                body,
                serde_json::from_slice(&expect).expect("an expectation"),
            )
        })
        .collect()
}

fn customer(n: u32) -> String {
    format!("346001100{n:02}")
}

/// The entry of a transcript with this message id.
fn entry<'a>(ticket: &'a Value, wamid: &str) -> &'a Value {
    ticket["transcript"]
        .as_array()
        .and_then(|t| t.iter().find(|e| e["message_id"] == wamid))
        .unwrap_or_else(|| panic!("no entry {wamid} in {ticket}"))
}

fn kinds(ticket: &Value) -> Vec<String> {
    ticket["transcript"]
        .as_array()
        .map(|t| {
            t.iter()
                .map(|e| {
                    let content = &e["body"]["content"];
                    let kind = if content.is_null() {
                        e["body"]["message"]["type"].as_str()
                    } else {
                        content["type"].as_str()
                    };
                    format!(
                        "{}:{}",
                        e["author"]["kind"].as_str().unwrap_or("?"),
                        kind.unwrap_or("?")
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn the_webhook_corpus_through_the_runner_means_what_meta_says() {
    let app = TestApp::spawn().await;
    let corpus = corpus();
    let (mut items, mut quarantined, mut replies_total) = (0, 0, 0);
    for (name, body, expect) in &corpus {
        let before = app.graph.sent().await.len();
        let r = app.post_webhook(body).await;
        assert_eq!(r.status(), 200, "{name}");
        app.quiet().await;
        let replies = app.graph.sent().await.len() - before;
        if expect.answered {
            assert!(replies > 0, "{name}: the bot answers a customer's message");
        } else {
            assert_eq!(replies, 0, "{name}: no reply to an event or a change");
        }
        assert_eq!(expect.kinds.len(), expect.messages, "{name}");
        items += expect.messages + expect.statuses + expect.preferences + expect.templates;
        quarantined += expect.quarantined.len();
        replies_total += replies;
    }

    // Every bad item is kept for admins, with its reason.
    let (status, page) = app
        .api_get("diego", "/api/v1/admin/quarantine?limit=200")
        .await;
    assert_eq!(status, 200, "{page}");
    let kept = page["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(kept.len(), quarantined, "{page}");
    for (_, _, expect) in &corpus {
        for q in &expect.quarantined {
            assert!(
                kept.iter().any(|k| k["path"] == q["path"]
                    && k["field"] == q["field"]
                    && k["kind"] == q["kind"]
                    && k["reason"].as_str().is_some_and(|r| !r.is_empty())),
                "{q} not kept"
            );
        }
    }

    // Reactions, edits and deletions land on their messages.
    let lucia = app.ticket_of(&customer(1)).await.expect("Lucía's ticket");
    let text1 = entry(&lucia, "wamid.corpus.text1");
    assert_eq!(text1["amended"]["reaction"], "👍");
    assert!(
        text1["body"]["content"]["body"]
            .as_str()
            .unwrap()
            .contains("1234")
    );
    assert!(text1["amended"]["edited_at"].is_string());
    assert_eq!(
        text1["amended"]["history"][0]["body"],
        "hola, dónde está mi pedido"
    );
    assert!(
        !kinds(&lucia)
            .iter()
            .any(|k| k.ends_with(":reaction") || k.ends_with(":edit"))
    );
    let marco = app.ticket_of(&customer(2)).await.expect("Marco's ticket");
    assert!(
        entry(&marco, "wamid.corpus.image1")["amended"]["reaction"].is_null(),
        "taken back"
    );
    let ana = app.ticket_of(&customer(3)).await.expect("Ana's ticket");
    let audio = entry(&ana, "wamid.corpus.audio1");
    assert!(audio["amended"]["deleted_at"].is_string());
    assert_eq!(
        audio["body"]["content"]["type"], "revoke",
        "the content is hidden"
    );
    assert!(!audio.to_string().contains("1003383421387256"), "{audio}");
    let rui = app
        .ticket_of(&customer(15))
        .await
        .expect("an unknown target's reaction");
    assert_eq!(kinds(&rui), ["customer:reaction"]);

    // System notices, echoes and calls are lines of their own.
    // Pau changed number: the notice is on the ticket that moved with him to the new one.
    assert!(
        app.ticket_of(&customer(4)).await.is_none(),
        "nothing stays under the old number"
    );
    let pau = app.ticket_of("34600110099").await.expect("Pau's ticket");
    assert_eq!(
        entry(&pau, "wamid.corpus.sys1")["body"]["content"]["new_wa_id"],
        "34600110099"
    );
    let echo = app
        .ticket_of(&customer(16))
        .await
        .expect("the echoes' ticket");
    assert_eq!(kinds(&echo), ["business_app:text", "business_app:media"]);
    // No customer message: no window, whatever the echoes' times.
    assert_eq!(echo["window"]["open"], false, "{echo}");
    assert!(
        echo["window_closes_at"].is_null(),
        "only the customer opens the window: {echo}"
    );
    let tere = app
        .ticket_of(&customer(17))
        .await
        .expect("the caller's ticket");
    assert_eq!(kinds(&tere), ["customer:call"]);
    assert_eq!(
        tere["transcript"][0]["body"]["content"]["outcome"],
        "missed"
    );

    // Marketing preferences reach the profiles; template states the offered list.
    let (_, leo) = app
        .api_get("diego", &format!("/api/v1/customers/{}", customer(8)))
        .await;
    assert_eq!(leo["marketing_consent"], false, "{leo}");
    assert!(leo["consent_updated_at"].is_string());
    let (_, bea) = app
        .api_get("diego", &format!("/api/v1/customers/{}", customer(9)))
        .await;
    assert_eq!(bea["marketing_consent"], true, "{bea}");
    let (_, templates) = app.api_get("ana", "/api/v1/templates").await;
    let names: Vec<&str> = templates
        .as_array()
        .map(|t| t.iter().filter_map(|t| t["name"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        !names.contains(&"seguimiento_ticket"),
        "a paused template is not offered: {templates}"
    );
    let survey = templates
        .as_array()
        .and_then(|t| t.iter().find(|t| t["name"] == "encuesta_satisfaccion"))
        .expect("the survey template is offered");
    assert_eq!(
        (survey["quality"].as_str(), survey["category"].as_str()),
        (Some("YELLOW"), Some("marketing"))
    );

    println!(
        "webhook corpus end to end: {} deliveries, all 200; {items} items read, {quarantined} quarantined with their reasons, {replies_total} bot replies (none to events)",
        corpus.len()
    );
    app.stop().await;
}
