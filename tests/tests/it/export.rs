//! The conversation export over HTTP on the local runner: the CSV streams every row of a
//! range across several store pages and parses back (quoting, formulas defused), the JSON
//! pages follow the document, agents are refused and bad ranges answered 422.

use jiff::Timestamp;
use reqwest::Method;
use serde_json::Value;
use turno_core::desk::ticket::Ticket;
use turno_core::kernel::ids::{WaId, WorkspaceId};
use turno_core::kernel::lang::Lang;
use turno_tests::{TestApp, WORKSPACE};

/// More than two of the CSV's store pages (500 rows each).
const TICKETS: u32 = 1_101;
const DAY: &str = "2026-01-15";

fn token(app: &TestApp, agent: &str) -> String {
    app.running
        .tokens
        .iter()
        .find(|t| t.agent.as_str() == agent)
        .map(|t| t.token.clone())
        .unwrap_or_else(|| panic!("no token for {agent}"))
}

async fn get(app: &TestApp, agent: &str, path: &str) -> reqwest::Response {
    app.http
        .request(Method::GET, app.url(&format!("/api/v1{path}")))
        .bearer_auth(token(app, agent))
        .send()
        .await
        .expect("request")
}

/// Tickets created on [`DAY`] (noon in Madrid, the demo's zone), straight into the store.
async fn seed(app: &TestApp) -> Vec<Ticket> {
    let ws = WorkspaceId::parse(WORKSPACE).unwrap();
    let noon: Timestamp = format!("{DAY}T11:00:00Z").parse().unwrap();
    let names = [
        "=cmd|' /C calc'!A0",
        "Pérez, \"Pepe\"",
        "two\nlines",
        "+34 600",
        "Ana",
    ];
    let mut out = Vec::new();
    for i in 0..TICKETS {
        let customer = WaId::parse(format!("34{:09}", 700_000_000 + i)).unwrap();
        let name = names[i as usize % names.len()].to_owned();
        let created = noon
            .checked_add(jiff::SignedDuration::from_secs(i64::from(i)))
            .unwrap();
        let mut t = Ticket::new(ws.clone(), customer, Some(name), Lang::Es, created);
        t.tags = vec!["refund".into()];
        app.running.turno.store().save_ticket(&mut t).await.unwrap();
        out.push(t);
    }
    out
}

/// RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') if cell.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    assert!(
        !quoted && cell.is_empty() && row.is_empty(),
        "the CSV ends with a record"
    );
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_csv_streams_every_row_of_the_range_and_parses_back() {
    let app = TestApp::spawn().await;
    let tickets = seed(&app).await;
    let r = get(
        &app,
        "bruno",
        &format!("/reports/export.csv?from={DAY}&to={DAY}"),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        r.headers()["content-disposition"],
        format!("attachment; filename=\"turno-conversations-{DAY}-{DAY}.csv\"").as_str()
    );
    assert!(
        r.headers().get("content-length").is_none(),
        "streamed, not buffered: {:?}",
        r.headers()
    );
    let rows = parse_csv(&r.text().await.unwrap());
    let header = &rows[0];
    assert_eq!(header[0], "id");
    assert!(
        rows.iter().all(|r| r.len() == header.len()),
        "every record has every column"
    );
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let body = &rows[1..];
    assert_eq!(body.len(), tickets.len(), "one row per conversation");
    let ids: Vec<&str> = body.iter().map(|r| r[col("id")].as_str()).collect();
    let expected: Vec<String> = tickets.iter().map(|t| t.id.to_string()).collect();
    assert_eq!(ids, expected, "oldest first, each once");
    let names: Vec<&str> = body[..5]
        .iter()
        .map(|r| r[col("customer_name")].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "'=cmd|' /C calc'!A0",
            "Pérez, \"Pepe\"",
            "two\nlines",
            "'+34 600",
            "Ana"
        ],
        "quoted where needed, formulas defused"
    );
    assert_eq!(body[0][col("tags")], "refund");
    assert_eq!(body[0][col("status")], "bot");
    assert_eq!(
        body[0][col("created_at")],
        tickets[0].created_at.to_string()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_pages_follow_the_document_and_refusals_are_clear() {
    let app = TestApp::spawn().await;
    let tickets = seed(&app).await;
    let doc: Value = get(&app, "bruno", "/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    let schema = &doc["paths"]["/reports/conversations"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"];
    let mut seen = 0;
    let mut cursor = String::new();
    loop {
        let r = get(
            &app,
            "bruno",
            &format!("/reports/conversations?from={DAY}&to={DAY}&limit=400&cursor={cursor}"),
        )
        .await;
        assert_eq!(r.status(), 200);
        let page: Value = r.json().await.unwrap();
        super::api::validate(&doc, schema, &page, "$").unwrap_or_else(|e| panic!("{e}"));
        let rows = page["rows"].as_array().unwrap();
        assert!(rows.len() <= 400);
        assert_eq!(rows[0]["id"], tickets[seen].id.to_string());
        seen += rows.len();
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, tickets.len());

    let refusals = [
        (
            "ana",
            format!("/reports/conversations?from={DAY}&to={DAY}"),
            403,
        ),
        (
            "ana",
            format!("/reports/export.csv?from={DAY}&to={DAY}"),
            403,
        ),
        (
            "bruno",
            "/reports/export.csv?from=2026-02-01&to=2026-01-01".into(),
            422,
        ),
        (
            "bruno",
            "/reports/export.csv?from=2025-01-01&to=2026-01-02".into(),
            422,
        ),
        (
            "bruno",
            "/reports/conversations?from=2026-02-01&to=2026-01-01".into(),
            422,
        ),
        (
            "bruno",
            "/reports/conversations?from=2026-01-01&to=2026-01-02&cursor=x".into(),
            422,
        ),
        (
            "bruno",
            "/reports/conversations?from=2026-01-01&to=2026-01-02&limit=501".into(),
            422,
        ),
        (
            "bruno",
            "/reports/export.csv?from=2026-13-01&to=2026-01-02".into(),
            400,
        ),
        ("bruno", "/reports/export.csv?to=2026-01-02".into(), 400),
    ];
    for (agent, path, status) in refusals {
        let r = get(&app, agent, &path).await;
        assert_eq!(r.status().as_u16(), status, "{agent} {path}");
        let body: Value = r.json().await.unwrap();
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{path}: {body}"
        );
        let documented =
            &doc["paths"][path.split('?').next().unwrap()]["get"]["responses"][status.to_string()];
        assert!(documented.is_object(), "{path} {status} is documented");
    }
}
