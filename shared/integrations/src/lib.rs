//! HTTP adapters for the bot's ports: [`HttpIntegrations`] calls the business's API for a
//! flow's action, [`OpenAiLlm`] asks an OpenAI-compatible `/chat/completions` endpoint.
//!
//! Secrets (header values, the LLM's API key) are read from the environment when a call is
//! made, by the variable name the configuration gives; they are never logged.

mod guard;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use serde_json::{Value, json};
use tracing::debug;
use turno_core::bot::flow::{ActionConfig, HeaderValue, HttpMethod, LlmConfig, Vars};
use turno_core::bot::integrations::{ChatMessage, IntegrationError, Integrations, Llm, LlmError};
use turno_core::kernel::ids::WorkspaceId;

pub use guard::MAX_ANSWER_BYTES;
use guard::{ReadError, action_url, read_capped};

/// The most any call may take, whatever its configuration says: configured timeouts are at
/// most 30 s, so this only catches a call made without one.
const CALL_TIMEOUT_CAP: Duration = Duration::from_secs(60);

/// Reads an environment variable; tests pass their own.
pub type Env = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

fn process_env() -> Env {
    Arc::new(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
}

fn client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(concat!("turno/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(5))
        .timeout(CALL_TIMEOUT_CAP)
        // A redirect would carry the secret headers to wherever the API points, and its
        // target was never configured: a 3xx is answered as a failure instead.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .context("cannot build the HTTP client")
}

/// Calls the business's HTTP API as a flow's action says.
#[derive(Clone)]
pub struct HttpIntegrations {
    client: reqwest::Client,
    env: Env,
}

impl HttpIntegrations {
    /// Secrets come from the process environment.
    pub fn new() -> anyhow::Result<Self> {
        Self::with_env(process_env())
    }

    pub fn with_env(env: Env) -> anyhow::Result<Self> {
        Ok(HttpIntegrations {
            client: client()?,
            env,
        })
    }
}

#[async_trait]
impl Integrations for HttpIntegrations {
    async fn call(
        &self,
        ws: &WorkspaceId,
        name: &str,
        action: &ActionConfig,
        vars: &Vars,
    ) -> Result<Vars, IntegrationError> {
        let url = action_url(action, vars)
            .map_err(|e| IntegrationError::Failed(format!("action {name}: {e}")))?;
        let mut req = match action.method {
            HttpMethod::Get => self.client.get(&url),
            HttpMethod::Post => self.client.post(&url),
        }
        .timeout(Duration::from_millis(action.timeout_ms))
        .header(reqwest::header::ACCEPT, "application/json");
        for (header, value) in &action.headers {
            let value = match value {
                HeaderValue::Fixed(v) => v.clone(),
                HeaderValue::FromEnv { env, prefix } => {
                    let secret = (self.env)(env).ok_or_else(|| {
                        IntegrationError::Failed(format!(
                            "header {header} of action {name} reads environment variable {env}, which is not set: set it"
                        ))
                    })?;
                    format!("{prefix}{secret}")
                }
            };
            req = req.header(header.as_str(), value);
        }
        if let Some(body) = action.body_with(vars) {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        let response = req.send().await.map_err(|e| {
            if e.is_timeout() {
                IntegrationError::Timeout
            } else {
                IntegrationError::Failed(format!("action {name}: cannot reach the API: {e}"))
            }
        })?;
        let status = response.status();
        debug!(workspace = %ws, action = name, status = status.as_u16(), "action called");
        if status == reqwest::StatusCode::NOT_FOUND {
            return Err(IntegrationError::NotFound);
        }
        if status.is_redirection() {
            return Err(IntegrationError::Failed(format!(
                "action {name}: the API answered with a redirect (HTTP {}), which is not followed: configure the URL it redirects to",
                status.as_u16()
            )));
        }
        if !status.is_success() {
            return Err(IntegrationError::Failed(format!(
                "action {name}: the API answered HTTP {}",
                status.as_u16()
            )));
        }
        let body = read_capped(response, MAX_ANSWER_BYTES)
            .await
            .map_err(|e| match e {
                ReadError::TooLarge => IntegrationError::Failed(format!(
                    "action {name}: the answer is larger than {MAX_ANSWER_BYTES} bytes"
                )),
                ReadError::Transport(e) if e.is_timeout() => IntegrationError::Timeout,
                ReadError::Transport(e) => IntegrationError::Failed(format!(
                    "action {name}: the answer could not be read: {}",
                    e.without_url()
                )),
            })?;
        let answer: Value = serde_json::from_slice(&body).map_err(|e| {
            IntegrationError::Failed(format!("action {name}: the answer is not JSON: {e}"))
        })?;
        Ok(action.fields_from(&answer))
    }
}

/// An OpenAI-compatible chat completion endpoint.
#[derive(Clone)]
pub struct OpenAiLlm {
    client: reqwest::Client,
    env: Env,
}

impl OpenAiLlm {
    /// The API key comes from the process environment.
    pub fn new() -> anyhow::Result<Self> {
        Self::with_env(process_env())
    }

    pub fn with_env(env: Env) -> anyhow::Result<Self> {
        Ok(OpenAiLlm {
            client: client()?,
            env,
        })
    }
}

#[async_trait]
impl Llm for OpenAiLlm {
    async fn chat(&self, config: &LlmConfig, messages: &[ChatMessage]) -> Result<String, LlmError> {
        let url = format!("{}/chat/completions", config.base_url.trim_end_matches('/'));
        let body = json!({
            "model": config.model,
            "temperature": 0,
            "messages": messages
                .iter()
                .map(|m| json!({ "role": m.role, "content": m.content }))
                .collect::<Vec<_>>(),
        });
        let mut req = self
            .client
            .post(&url)
            .timeout(Duration::from_millis(config.timeout_ms))
            .json(&body);
        if let Some(var) = &config.api_key_env {
            let key = (self.env)(var).ok_or_else(|| {
                LlmError(format!(
                    "bot.llm.api_key_env names {var}, which is not set: set it to the API key"
                ))
            })?;
            req = req.bearer_auth(key);
        }
        let response = req.send().await.map_err(|e| {
            LlmError(if e.is_timeout() {
                format!("no answer within {} ms", config.timeout_ms)
            } else {
                format!("cannot reach {url}: {e}")
            })
        })?;
        let status = response.status();
        if !status.is_success() {
            return Err(LlmError(format!("HTTP {}", status.as_u16())));
        }
        let body = read_capped(response, MAX_ANSWER_BYTES)
            .await
            .map_err(|e| match e {
                ReadError::TooLarge => LlmError(format!(
                    "the answer is larger than {MAX_ANSWER_BYTES} bytes"
                )),
                ReadError::Transport(e) => {
                    LlmError(format!("the answer could not be read: {}", e.without_url()))
                }
            })?;
        let answer: Value = serde_json::from_slice(&body)
            .map_err(|e| LlmError(format!("the answer is not JSON: {e}")))?;
        answer["choices"][0]["message"]["content"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| LlmError("the answer has no choices[0].message.content".into()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use wiremock::matchers::{body_partial_json, header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn ws() -> WorkspaceId {
        WorkspaceId::parse("100200300400500").unwrap()
    }

    fn action(server: &MockServer, timeout_ms: u64) -> ActionConfig {
        serde_json::from_value(json!({
            "url": format!("{}/orders/{{order_number}}", server.uri()),
            "headers": {
                "Authorization": {"env": "SHOP_TOKEN", "prefix": "Bearer "},
                "X-Shop": "lumen"
            },
            "timeout_ms": timeout_ms,
            "fields": {"status": "$.status", "eta": "$.delivery.eta"}
        }))
        .unwrap()
    }

    fn env() -> Env {
        Arc::new(|name| (name == "SHOP_TOKEN").then(|| "s3cret".to_owned()))
    }

    fn vars(n: &str) -> Vars {
        Vars::from([("order_number".to_owned(), n.to_owned())])
    }

    #[tokio::test]
    async fn an_answer_gives_the_configured_fields_and_the_secret_header_is_sent() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/orders/12345"))
            .and(header("authorization", "Bearer s3cret"))
            .and(header("x-shop", "lumen"))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({"status": "shipped", "delivery": {"eta": "Monday"}, "other": 1}),
            ))
            .expect(1)
            .mount(&server)
            .await;
        let i = HttpIntegrations::with_env(env()).unwrap();
        let got = i
            .call(
                &ws(),
                "order_status",
                &action(&server, 2000),
                &vars("12345"),
            )
            .await
            .unwrap();
        assert_eq!(got.get("status").map(String::as_str), Some("shipped"));
        assert_eq!(got.get("eta").map(String::as_str), Some("Monday"));
        assert_eq!(got.len(), 2);
    }

    #[tokio::test]
    async fn not_found_timeout_and_server_errors_are_told_apart() {
        let server = MockServer::start().await;
        Mock::given(path("/orders/404"))
            .respond_with(ResponseTemplate::new(404))
            .mount(&server)
            .await;
        Mock::given(path("/orders/500"))
            .respond_with(ResponseTemplate::new(503))
            .mount(&server)
            .await;
        Mock::given(path("/orders/slow"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"status": "late"}))
                    .set_delay(Duration::from_millis(600)),
            )
            .mount(&server)
            .await;
        let i = HttpIntegrations::with_env(env()).unwrap();
        let a = action(&server, 200);
        let call = |n: &'static str| {
            let (i, a) = (i.clone(), a.clone());
            async move { i.call(&ws(), "order_status", &a, &vars(n)).await }
        };
        assert_eq!(call("404").await, Err(IntegrationError::NotFound));
        assert_eq!(call("slow").await, Err(IntegrationError::Timeout));
        let e = call("500").await.unwrap_err();
        assert!(
            matches!(&e, IntegrationError::Failed(m) if m.contains("503")),
            "{e}"
        );
    }

    #[tokio::test]
    async fn a_missing_secret_fails_naming_the_variable_without_calling() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
            .expect(0)
            .mount(&server)
            .await;
        let i = HttpIntegrations::with_env(Arc::new(|_| None)).unwrap();
        let e = i
            .call(&ws(), "order_status", &action(&server, 2000), &vars("1"))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("SHOP_TOKEN"), "{e}");
    }

    #[tokio::test]
    async fn a_redirect_is_a_failure_and_is_not_followed() {
        let server = MockServer::start().await;
        Mock::given(path("/orders/1"))
            .respond_with(
                ResponseTemplate::new(302)
                    .insert_header("location", format!("{}/elsewhere", server.uri())),
            )
            .mount(&server)
            .await;
        Mock::given(path("/elsewhere"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "x"})))
            .expect(0)
            .mount(&server)
            .await;
        let i = HttpIntegrations::with_env(env()).unwrap();

        let e = i
            .call(&ws(), "order_status", &action(&server, 2000), &vars("1"))
            .await
            .unwrap_err();

        assert!(
            matches!(&e, IntegrationError::Failed(m) if m.contains("redirect") && m.contains("302")),
            "{e}"
        );
    }

    #[tokio::test]
    async fn an_answer_past_the_size_limit_is_a_failure() {
        let server = MockServer::start().await;
        let big = format!(
            "{{\"status\": \"ok\", \"pad\": \"{}\"}}",
            "x".repeat(MAX_ANSWER_BYTES)
        );
        Mock::given(path("/orders/big"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(big, "application/json"))
            .mount(&server)
            .await;
        Mock::given(path("/orders/small"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "ok"})))
            .mount(&server)
            .await;
        let i = HttpIntegrations::with_env(env()).unwrap();
        let a = action(&server, 5000);

        let e = i
            .call(&ws(), "order_status", &a, &vars("big"))
            .await
            .unwrap_err();

        assert!(
            matches!(&e, IntegrationError::Failed(m) if m.contains("larger than")),
            "{e}"
        );
        let fine = i.call(&ws(), "order_status", &a, &vars("small")).await;
        assert_eq!(fine.unwrap().get("status").map(String::as_str), Some("ok"));
    }

    #[tokio::test]
    async fn slot_values_cannot_leave_their_path_segment() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "ok"})))
            .mount(&server)
            .await;
        let i = HttpIntegrations::with_env(env()).unwrap();
        let a = action(&server, 2000);

        for n in ["..", ".", "%2e%2e"] {
            let got = i.call(&ws(), "order_status", &a, &vars(n)).await;
            if n.starts_with('%') {
                assert!(got.is_ok(), "{n}: the percent sign itself is encoded");
            } else {
                assert!(
                    matches!(&got, Err(IntegrationError::Failed(m)) if m.contains("path segment")),
                    "{n}: {got:?}"
                );
            }
        }
        i.call(&ws(), "order_status", &a, &vars("../admin?x=1#f"))
            .await
            .unwrap();

        let paths: Vec<String> = server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .map(|r| r.url.path().to_owned())
            .collect();
        assert_eq!(
            paths,
            ["/orders/%252e%252e", "/orders/%2E%2E%2Fadmin%3Fx%3D1%23f"],
            "only the two acceptable calls were made, each to one segment under /orders"
        );
    }

    fn llm_config(server: &MockServer) -> LlmConfig {
        serde_json::from_value(json!({
            "enabled": true, "base_url": format!("{}/v1", server.uri()), "model": "tiny",
            "api_key_env": "LLM_KEY", "timeout_ms": 500
        }))
        .unwrap()
    }

    #[tokio::test]
    async fn the_llm_gets_model_messages_and_key_and_its_content_is_returned() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v1/chat/completions"))
            .and(header("authorization", "Bearer k"))
            .and(body_partial_json(json!({
                "model": "tiny",
                "messages": [{"role": "system", "content": "sys"}, {"role": "user", "content": "hola"}]
            })))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "choices": [{"message": {"role": "assistant", "content": "order_status"}}]
            })))
            .expect(1)
            .mount(&server)
            .await;
        let llm = OpenAiLlm::with_env(Arc::new(|n| (n == "LLM_KEY").then(|| "k".into()))).unwrap();
        let msgs = [
            ChatMessage {
                role: "system",
                content: "sys".into(),
            },
            ChatMessage {
                role: "user",
                content: "hola".into(),
            },
        ];
        assert_eq!(
            llm.chat(&llm_config(&server), &msgs).await.unwrap(),
            "order_status"
        );
    }

    #[tokio::test]
    async fn an_llm_error_status_is_an_error() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(500))
            .mount(&server)
            .await;
        let llm = OpenAiLlm::with_env(Arc::new(|_| Some("k".into()))).unwrap();
        let e = llm.chat(&llm_config(&server), &[]).await.unwrap_err();
        assert!(e.to_string().contains("500"), "{e}");
    }
}
