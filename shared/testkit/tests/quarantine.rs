//! The quarantine on the harness: items without a readable phone number are kept once for
//! the deployment and listed to a workspace's admins with its own, a page at a time.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use jiff::{SignedDuration, Timestamp};
use turno_core::app::{
    Actor, AppError, QuarantineKind, QuarantineScope, QuarantinedItem, WebhookBatch,
};
use turno_core::desk::agent::Role;
use turno_core::kernel::ids::{AgentId, WorkspaceId};
use turno_core::ports::RecordStore;
use turno_core::ports::records::RecordKind;
use turno_testkit::harness::{TestTurno, demo_workspace};

fn admin() -> Actor {
    Actor {
        workspace: demo_workspace(),
        agent: AgentId::parse("diego").unwrap(),
        role: Role::Admin,
    }
}

fn item(n: usize, workspace: Option<WorkspaceId>) -> QuarantinedItem {
    QuarantinedItem {
        workspace,
        kind: QuarantineKind::Malformed,
        field: Some("messages".into()),
        path: format!("entry[{n}]"),
        reason: "missing metadata".into(),
        raw: format!("{{\"n\":{n}}}"),
        fingerprint: format!("fp{n:02}"),
    }
}

async fn quarantine(t: &TestTurno, items: Vec<QuarantinedItem>) {
    t.turno
        .accept_webhook(WebhookBatch {
            quarantined: items,
            ..WebhookBatch::default()
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn an_item_without_a_phone_number_is_kept_once_and_listed_with_the_workspaces_own() {
    let t = TestTurno::demo(Timestamp::from_second(1_748_876_667).unwrap()).await;
    let ws = demo_workspace();
    // Alternating scopes, one a second, oldest first: 0, 2, 4 the workspace's, 1, 3 not.
    for n in 0..5 {
        let scope = (n % 2 == 0).then(demo_workspace);
        quarantine(&t, vec![item(n, scope)]).await;
        t.advance(SignedDuration::from_secs(1));
    }
    quarantine(&t, vec![item(1, None)]).await;

    let deployment = t
        .store
        .records(&WorkspaceId::deployment(), RecordKind::Quarantine)
        .await
        .unwrap();
    assert_eq!(deployment.len(), 2, "kept once, a redelivery too");
    assert_eq!(
        t.store
            .records(&ws, RecordKind::Quarantine)
            .await
            .unwrap()
            .len(),
        3,
        "not copied into the workspace"
    );

    let mut seen = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = t
            .turno
            .quarantine_page(&admin(), cursor.as_deref(), Some(2))
            .await
            .unwrap();
        assert!(page.items.len() <= 2);
        seen.extend(page.items.iter().map(|e| (e.id.clone(), e.scope)));
        pages += 1;
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
        assert!(pages < 10, "paging ends");
    }
    let expected: Vec<(String, QuarantineScope)> = (0..5)
        .rev()
        .map(|n| {
            let scope = if n % 2 == 0 {
                QuarantineScope::Workspace
            } else {
                QuarantineScope::Deployment
            };
            (format!("fp{n:02}"), scope)
        })
        .collect();
    assert_eq!(seen, expected, "newest first across both scopes, each once");
    assert_eq!(pages, 3);
}

#[tokio::test]
async fn a_cursor_no_page_could_have_given_is_refused() {
    let t = TestTurno::demo(Timestamp::from_second(1_748_876_667).unwrap()).await;
    let long = "9".repeat(1000);
    assert!(matches!(
        t.turno.quarantine_page(&admin(), Some(&long), None).await,
        Err(AppError::Invalid(_))
    ));
    let empty = t
        .turno
        .quarantine_page(&admin(), Some("0"), None)
        .await
        .unwrap();
    assert!(empty.items.is_empty() && empty.next_cursor.is_none());
}

#[test]
fn the_deployments_scope_cannot_be_configured_as_a_workspace() {
    use turno_core::config::TurnoConfig;
    use turno_testkit::harness::{DEMO_CONFIG_YAML, DEMO_INTENTS_YAML, DEMO_WORKSPACE};

    let check = |yaml: &str| {
        let mut config: TurnoConfig = serde_yaml_ng::from_str(yaml).unwrap();
        config
            .load_intents(|_| Ok(DEMO_INTENTS_YAML.to_owned()))
            .unwrap();
        config.validate().map(|_| ()).map_err(|e| e.to_string())
    };
    assert_eq!(check(DEMO_CONFIG_YAML), Ok(()));
    let reserved = DEMO_CONFIG_YAML.replacen(DEMO_WORKSPACE, WorkspaceId::DEPLOYMENT, 1);
    let refused = check(&reserved).unwrap_err();
    assert!(refused.contains("reserved"), "{refused}");
}
