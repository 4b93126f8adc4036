//! The sandbox channel's media, templates and read receipts.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use turno_core::channel::message::{MediaKind, MediaSource, Outbound, TemplateMessage};
use turno_core::kernel::ids::WorkspaceId;
use turno_core::ports::{MediaError, SendError, WhatsApp};
use turno_embedded::{Db, SandboxWhatsApp};
use turno_testkit::{customer, workspace};

#[tokio::test]
async fn sandbox_media_is_served_back_by_its_id_in_its_workspace_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("turno.db");
    let ws = workspace();
    let id = SandboxWhatsApp::new(Db::open(&path).unwrap())
        .put_media(&ws, "image/png", b"\x89PNG")
        .unwrap();
    assert!(id.bytes().all(|b| b.is_ascii_digit()), "{id}");

    // Kept across a restart, like WhatsApp keeps it.
    let sandbox = SandboxWhatsApp::new(Db::open(&path).unwrap());
    let file = sandbox.media(&ws, &id).await.unwrap();

    assert_eq!(file.mime_type, "image/png");
    assert_eq!(file.bytes, b"\x89PNG");
    let other = WorkspaceId::parse("999888777").unwrap();
    assert_eq!(sandbox.media(&other, &id).await, Err(MediaError::NotFound));
    assert_eq!(sandbox.media(&ws, "123").await, Err(MediaError::NotFound));
}

#[tokio::test]
async fn sandbox_takes_templates_and_media_and_refuses_them_past_whatsapps_limits() {
    let sandbox = SandboxWhatsApp::new(Db::open_in_memory().unwrap());
    let (ws, to) = (workspace(), customer(1));
    let template = Outbound::Template(TemplateMessage::new("retomar_conversacion", "es"));
    let image = Outbound::Media {
        kind: MediaKind::Image,
        source: MediaSource::Link("https://lumen.example/a.png".into()),
        caption: Some("mira".into()),
        filename: None,
    };

    sandbox.send(&ws, &to, &template).await.unwrap();
    sandbox.send(&ws, &to, &image).await.unwrap();
    let bad = Outbound::Template(TemplateMessage::new("Bad Name", "es"));
    let refused = sandbox.send(&ws, &to, &bad).await;

    assert!(
        matches!(&refused, Err(SendError::Rejected { message, .. }) if message.contains("lowercase")),
        "{refused:?}"
    );
    let kept: Vec<Outbound> = sandbox
        .messages(&ws, Some(&to), 0)
        .unwrap()
        .into_iter()
        .map(|m| m.message)
        .collect();
    assert_eq!(kept, vec![template, image]);
}
