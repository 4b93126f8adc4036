//! Sends notifications (assignments, SLA breaches) to a webhook URL with a Slack-compatible
//! body, and always logs them. With no URL configured it only logs. [`push`] also delivers
//! an agent's notifications to the browsers they subscribed (Web Push).

pub mod push;

use std::time::Duration;

use async_trait::async_trait;
use tracing::{info, warn};
use turno_core::ports::{Notification, NotificationKind, Notifier};

/// Attempts per notification before the caller is told it failed (and retries the job).
const ATTEMPTS: u32 = 3;

pub struct WebhookNotifier {
    client: reqwest::Client,
    url: Option<String>,
    /// The workspaces' configuration, for a workspace's own notification URL
    /// (`credentials.notification_url`).
    workspaces: Option<turno_core::config::Workspaces>,
}

impl WebhookNotifier {
    /// `url`: where to POST notifications, or `None` to only log them.
    pub fn new(url: Option<String>) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()?;
        Ok(WebhookNotifier {
            client,
            url,
            workspaces: None,
        })
    }

    /// Posts each workspace's notifications to its own URL when its configuration has one
    /// (`workspaces` is the configuration the process keeps current).
    pub fn with_workspaces(mut self, workspaces: turno_core::config::Workspaces) -> Self {
        self.workspaces = Some(workspaces);
        self
    }

    fn url_for(&self, ws: &turno_core::kernel::ids::WorkspaceId) -> Option<String> {
        self.workspaces
            .as_ref()
            .and_then(|all| all.get(ws))
            .and_then(|c| c.credentials.as_ref()?.notification_url.clone())
            .or_else(|| self.url.clone())
    }
}

#[async_trait]
impl Notifier for WebhookNotifier {
    async fn notify(&self, n: &Notification) -> anyhow::Result<()> {
        info!(
            workspace = %n.workspace, kind = ?n.kind, ticket_id = %n.ticket_id,
            agent = n.agent.as_ref().map(|a| a.as_str()), "notification"
        );
        // A customer's reply is for the assignee's own devices, not the workspace's channel.
        let Some(url) = self
            .url_for(&n.workspace)
            .filter(|_| n.kind != NotificationKind::CustomerReplied)
        else {
            return Ok(());
        };
        // `text` is what Slack shows; `turno` carries the structured notification.
        let body = serde_json::json!({ "text": n.text, "turno": n });
        let mut last_error = None;
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(200 * 2u64.pow(attempt))).await;
            }
            match self.client.post(&url).json(&body).send().await {
                Ok(r) if r.status().is_success() => return Ok(()),
                Ok(r) if r.status().is_client_error() && r.status().as_u16() != 429 => {
                    anyhow::bail!(
                        "notification webhook refused the notice with {}",
                        r.status()
                    );
                }
                Ok(r) => {
                    last_error = Some(anyhow::anyhow!(
                        "notification webhook answered {}",
                        r.status()
                    ))
                }
                Err(e) => {
                    last_error =
                        Some(anyhow::Error::new(e).context("notification webhook unreachable"))
                }
            }
            warn!(attempt, ticket_id = %n.ticket_id, "notification not delivered yet");
        }
        Err(last_error.unwrap_or_else(|| anyhow::anyhow!("notification not delivered")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use turno_core::kernel::ids::{TicketId, WorkspaceId};
    use turno_core::ports::NotificationKind;
    use wiremock::matchers::{body_partial_json, method};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn notice() -> Notification {
        Notification {
            workspace: WorkspaceId::parse("ws").unwrap(),
            kind: NotificationKind::SlaBreached,
            ticket_id: TicketId::parse("T1").unwrap(),
            agent: None,
            text: "breached".into(),
        }
    }

    #[tokio::test]
    async fn posts_a_slack_compatible_body_and_retries_server_errors() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(body_partial_json(
                serde_json::json!({"text": "breached", "turno": {"kind": "sla_breached"}}),
            ))
            .respond_with(ResponseTemplate::new(200))
            .expect(1)
            .mount(&server)
            .await;
        let n = WebhookNotifier::new(Some(format!("{}/hook", server.uri()))).unwrap();
        n.notify(&notice()).await.unwrap();
    }

    #[tokio::test]
    async fn a_refusing_webhook_is_an_error_without_retries() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(404))
            .expect(1)
            .mount(&server)
            .await;
        let n = WebhookNotifier::new(Some(server.uri())).unwrap();
        assert!(n.notify(&notice()).await.is_err());
    }
}
