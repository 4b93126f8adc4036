//! What WhatsApp tells turno about templates and about a customer's marketing preference
//! decides which templates an agent may send: none that WhatsApp paused or rejected, and no
//! marketing template to a customer who stopped marketing messages.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use jiff::{SignedDuration, Timestamp};
use turno_core::app::{Actor, AppError, WebhookBatch};
use turno_core::channel::message::{Content, InboundMessage};
use turno_core::channel::templates::{
    MarketingPreference, TemplateCategory, TemplateChange, TemplateUpdate,
};
use turno_core::desk::agent::Role;
use turno_core::kernel::ids::{AgentId, MessageId, TicketId, WaId};
use turno_core::ports::{Clock, ConversationStore};
use turno_testkit::harness::{TestTurno, demo_workspace};

const CUSTOMER: &str = "34600444555";
/// The demo's `follow_up` template, as configured: `seguimiento_ticket` in Spanish.
const FOLLOW_UP: (&str, &str) = ("seguimiento_ticket", "es");

fn bruno() -> Actor {
    Actor {
        workspace: demo_workspace(),
        agent: AgentId::parse("bruno").unwrap(),
        role: Role::Supervisor,
    }
}

async fn deliver(t: &TestTurno, batch: WebhookBatch) {
    t.advance(SignedDuration::from_secs(30));
    t.turno.accept_webhook(batch).await.unwrap();
    t.drain().await;
}

async fn ticket_of_a_customer(t: &TestTurno) -> TicketId {
    let message = InboundMessage {
        workspace: demo_workspace(),
        id: MessageId::parse("wamid.t1").unwrap(),
        from: WaId::parse(CUSTOMER).unwrap(),
        profile_name: Some("Iván".into()),
        at: t.clock.now(),
        content: Content::Text {
            body: "quiero hablar con un agente".into(),
        },
        context: None,
    };
    deliver(
        t,
        WebhookBatch {
            messages: vec![message],
            ..WebhookBatch::default()
        },
    )
    .await;
    t.store
        .conversation(&demo_workspace(), &WaId::parse(CUSTOMER).unwrap())
        .await
        .unwrap()
        .unwrap()
        .ticket_id
        .unwrap()
}

fn follow_up_becomes(t: &TestTurno, change: TemplateChange) -> WebhookBatch {
    WebhookBatch {
        templates: vec![TemplateUpdate {
            workspace: None,
            name: FOLLOW_UP.0.into(),
            language: FOLLOW_UP.1.into(),
            change,
            at: Some(t.clock.now()),
        }],
        ..WebhookBatch::default()
    }
}

fn status(s: &str) -> TemplateChange {
    TemplateChange::Status {
        status: s.into(),
        reason: None,
    }
}

#[tokio::test]
async fn a_template_whatsapp_paused_is_refused_until_it_is_approved_again() {
    let t = TestTurno::demo(Timestamp::from_second(1_748_876_667).unwrap()).await;
    let ticket = ticket_of_a_customer(&t).await;

    deliver(&t, follow_up_becomes(&t, status("PAUSED"))).await;
    let refused = t
        .turno
        .agent_send_template(&bruno(), &ticket, "follow_up")
        .await;
    assert!(
        matches!(&refused, Err(AppError::Conflict(m)) if m.contains("PAUSED")),
        "{refused:?}"
    );
    let offered = t.turno.templates_offered(&bruno()).await.unwrap();
    assert!(offered.iter().all(|o| o.template.name != FOLLOW_UP.0));

    deliver(&t, follow_up_becomes(&t, status("APPROVED"))).await;
    t.turno
        .agent_send_template(&bruno(), &ticket, "follow_up")
        .await
        .unwrap();
}

#[tokio::test]
async fn a_customer_who_stopped_marketing_gets_no_marketing_template_but_still_utility_ones() {
    let t = TestTurno::demo(Timestamp::from_second(1_748_876_667).unwrap()).await;
    let ticket = ticket_of_a_customer(&t).await;
    let category = TemplateChange::Category {
        category: TemplateCategory::Marketing,
    };
    deliver(&t, follow_up_becomes(&t, category)).await;
    t.turno
        .agent_send_template(&bruno(), &ticket, "follow_up")
        .await
        .unwrap();

    let stop = MarketingPreference {
        workspace: demo_workspace(),
        customer: WaId::parse(CUSTOMER).unwrap(),
        subscribed: false,
        at: t.clock.now(),
    };
    deliver(
        &t,
        WebhookBatch {
            preferences: vec![stop],
            ..WebhookBatch::default()
        },
    )
    .await;
    let refused = t
        .turno
        .agent_send_template(&bruno(), &ticket, "follow_up")
        .await;
    assert!(
        matches!(&refused, Err(AppError::Conflict(m)) if m.contains("stopped marketing")),
        "{refused:?}"
    );
    t.turno
        .agent_send_template(&bruno(), &ticket, "re_engagement")
        .await
        .expect("a template of no marketing category still goes");
}
