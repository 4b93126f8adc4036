//! The AWS adapters wired into [`Turno`]: SDK clients built once per execution environment,
//! secrets read from SSM Parameter Store at cold start.
//!
//! The environment (`template.yaml` sets it):
//!
//! | variable | what |
//! |---|---|
//! | `TURNO_TABLE` | the DynamoDB table |
//! | `TURNO_EVENT_BUS` | the EventBridge bus for domain events |
//! | `TURNO_INBOUND_QUEUE_URL`, `TURNO_TICKET_WRITES_QUEUE_URL`, `TURNO_ESCALATIONS_QUEUE_URL`, `TURNO_SLA_TIMERS_QUEUE_URL` | the queues |
//! | `TURNO_INBOUND_DLQ_URL`, `TURNO_TICKET_WRITES_DLQ_URL`, `TURNO_ESCALATIONS_DLQ_URL`, `TURNO_SLA_TIMERS_DLQ_URL` | their dead-letter queues; only the agent API has them |
//! | `TURNO_WHATSAPP_TOKEN_PARAM` | the SSM parameter with the WhatsApp access token; only functions that send have it |
//! | `TURNO_GRAPH_API_VERSION` | the Graph API version (default `v23.0`) |
//! | `TURNO_GRAPH_API_BASE_URL` | optional: the whole Graph API base URL (a fake in tests) |
//! | `TURNO_NOTIFY_WEBHOOK_URL` | optional: where notifications are POSTed (only logged if unset) |
//! | `TURNO_VAPID_KEY_PARAM` | optional: the SSM parameter with the Web Push VAPID private key (PKCS#8, PEM or base64); without it nothing is pushed to browsers |
//! | `TURNO_PUSH_SUBJECT` | optional: the VAPID contact push services see (`mailto:` or `https:`) |
//! | `TURNO_SECRETS_TTL_SECS` | optional: how long a workspace's own secret (Graph token, app secret, verify token) read from SSM is kept (default 300) |
//! | `ORDER_API_KEY_PARAM`, `LLM_API_KEY_PARAM` | optional, bot-turn only: the SSM parameters holding the integrations' secrets, which the configuration names as `ORDER_API_KEY` and `LLM_API_KEY` |
//! | `TURNO_USER_POOL_ID` | the Cognito user pool of the agents' accounts; only the agent API has it (without it, inviting an agent creates no account) |
//!
//! A function built without an adapter's feature (`ingress`, `bot`, `tickets`, `escalation`,
//! `sla`, `api` choose them) neither reads its variables nor links its SDK: its port refuses
//! ([`crate::absent`]).
//!
//! The SDK reads region, credentials and endpoints (`AWS_ENDPOINT_URL`,
//! `AWS_ENDPOINT_URL_<SERVICE>`) from the environment as usual.

use std::sync::Arc;

use anyhow::Context;
use async_trait::async_trait;
use tokio::sync::OnceCell;
#[cfg(feature = "events")]
use turno_aws::EventBridgeBus;
#[cfg(feature = "queue")]
use turno_aws::SqsQueue;
use turno_aws::{Clients, DynamoStore};
use turno_core::app::{Ports, Turno};
use turno_core::channel::message::Outbound;
use turno_core::config::Workspaces;
use turno_core::kernel::ids::{MessageId, WaId, WorkspaceId};
#[cfg(feature = "queue")]
use turno_core::ports::QueueName;
use turno_core::ports::{SendError, SystemClock, WhatsApp};

pub const TABLE_VAR: &str = "TURNO_TABLE";
pub const EVENT_BUS_VAR: &str = "TURNO_EVENT_BUS";
pub const WHATSAPP_TOKEN_PARAM_VAR: &str = "TURNO_WHATSAPP_TOKEN_PARAM";
pub const GRAPH_API_VERSION_VAR: &str = "TURNO_GRAPH_API_VERSION";
pub const GRAPH_API_BASE_URL_VAR: &str = "TURNO_GRAPH_API_BASE_URL";
pub const NOTIFY_WEBHOOK_URL_VAR: &str = "TURNO_NOTIFY_WEBHOOK_URL";
#[cfg(feature = "notify")]
pub const VAPID_KEY_PARAM_VAR: &str = "TURNO_VAPID_KEY_PARAM";
#[cfg(feature = "notify")]
pub const PUSH_SUBJECT_VAR: &str = "TURNO_PUSH_SUBJECT";
#[cfg(feature = "graph")]
const DEFAULT_GRAPH_API_VERSION: &str = "v23.0";
/// How long a workspace's own secret read from SSM is kept, in seconds.
#[cfg(feature = "secrets")]
pub const SECRETS_TTL_VAR: &str = "TURNO_SECRETS_TTL_SECS";

/// How a function reads its environment; tests pass their own.
pub type Env<'a> = &'a (dyn Fn(&str) -> Option<String> + Sync);

fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

static CLIENTS: OnceCell<Clients> = OnceCell::const_new();

/// The SDK clients of this execution environment, built on first use.
pub async fn clients() -> &'static Clients {
    CLIENTS
        .get_or_init(|| async { Clients::new(&turno_aws::load_sdk_config().await) })
        .await
}

/// The use cases on the AWS adapters, built once per execution environment: DynamoDB store,
/// SQS queues, EventBridge bus, the Graph API client (if the function sends to WhatsApp) and
/// the notification webhook, each as the function's features have it.
pub async fn connect(function: &str, workspaces: Workspaces) -> anyhow::Result<Turno> {
    connect_with(function, workspaces, clients().await, &process_env).await
}

/// [`connect`] with the clients and the environment given.
pub async fn connect_with(
    function: &str,
    workspaces: Workspaces,
    clients: &Clients,
    env: Env<'_>,
) -> anyhow::Result<Turno> {
    let need = |var: &str, what: &str| {
        env(var).with_context(|| format!("turno {function}: {var} must name {what}"))
    };
    let store = DynamoStore::new(
        clients.dynamodb.clone(),
        need(TABLE_VAR, "the DynamoDB table")?,
    );
    #[cfg(feature = "events")]
    let events: Arc<dyn turno_core::ports::EventBus> = Arc::new(EventBridgeBus::new(
        clients.eventbridge.clone(),
        need(EVENT_BUS_VAR, "the EventBridge bus")?,
    ));
    #[cfg(not(feature = "events"))]
    let events: Arc<dyn turno_core::ports::EventBus> = Arc::new(crate::absent::NoEvents);
    #[cfg(feature = "queue")]
    let queue: Arc<dyn turno_core::ports::Queue> = Arc::new(queues_with(function, clients, env)?);
    #[cfg(not(feature = "queue"))]
    let queue: Arc<dyn turno_core::ports::Queue> = Arc::new(crate::absent::NoQueue);
    let secrets = secrets(clients, env);
    let whatsapp = whatsapp(function, clients, env, &workspaces, &secrets).await?;
    #[cfg(feature = "notify")]
    let notifier: Arc<dyn turno_core::ports::Notifier> = Arc::new(
        turno_notify::WebhookNotifier::new(env(NOTIFY_WEBHOOK_URL_VAR))
            .with_context(|| format!("turno {function}: the notifier"))?
            .with_workspaces(workspaces.clone()),
    );
    #[cfg(not(feature = "notify"))]
    let notifier: Arc<dyn turno_core::ports::Notifier> = Arc::new(crate::absent::NoNotifier);
    let store: Arc<dyn turno_core::ports::Store> = Arc::new(store);
    #[cfg(feature = "notify")]
    let (notifier, push) = push_with(function, notifier, &store, clients, env).await?;
    let ports = Ports {
        store,
        // Timers held to the end of an SQS batch and sent together.
        queue: Arc::new(crate::timers::HeldTimers(queue)),
        whatsapp,
        notifier,
        // Held to the end of an SQS batch and published together.
        events: Arc::new(crate::events::HeldEvents(events)),
        clock: Arc::new(SystemClock),
    };
    let turno = Turno::new(ports, workspaces)
        .with_metrics(crate::metrics::registry(function))
        .with_secrets(secrets);
    #[cfg(feature = "notify")]
    let turno = match push {
        Some(settings) => turno.with_push(settings),
        None => turno,
    };
    // Admins' invitations, role changes and deactivations reach the agents' accounts.
    #[cfg(feature = "directory")]
    let turno = match env(turno_aws::USER_POOL_ID_VAR) {
        Some(pool) => turno.with_directory(Arc::new(turno_aws::CognitoDirectory::new(
            clients.cognito.clone(),
            pool,
        ))),
        None => {
            tracing::warn!(
                function,
                "{} is not set: invited agents get no sign-in account",
                turno_aws::USER_POOL_ID_VAR
            );
            turno
        }
    };
    // The bot's calls to the business's API and the optional LLM (bot-turn uses them).
    #[cfg(feature = "bot")]
    let secrets = integration_secrets(function, clients, env).await?;
    #[cfg(feature = "bot")]
    let turno = turno.with_bot_integrations(
        Arc::new(
            turno_integrations::HttpIntegrations::with_env(secrets.clone())
                .with_context(|| format!("turno {function}: the integrations client"))?,
        ),
        Arc::new(
            turno_integrations::OpenAiLlm::with_env(secrets)
                .with_context(|| format!("turno {function}: the LLM client"))?,
        ),
    );
    Ok(turno)
}

/// Where the workspaces' own secrets are read: SSM, each value kept for
/// `TURNO_SECRETS_TTL_SECS` (a failed read for a few seconds). A function built without SSM
/// reads none.
#[cfg(feature = "secrets")]
fn secrets(clients: &Clients, env: Env<'_>) -> Arc<dyn turno_core::ports::SecretResolver> {
    use turno_core::ports::{CachedSecrets, SecretCacheTtl};
    let mut ttl = SecretCacheTtl::default();
    if let Some(secs) = env(SECRETS_TTL_VAR).and_then(|v| v.parse::<u64>().ok()) {
        ttl.value = std::time::Duration::from_secs(secs);
    }
    Arc::new(CachedSecrets::new(
        Arc::new(turno_aws::SsmSecrets::new(clients.ssm.clone())),
        ttl,
    ))
}

#[cfg(not(feature = "secrets"))]
fn secrets(_clients: &Clients, _env: Env<'_>) -> Arc<dyn turno_core::ports::SecretResolver> {
    Arc::new(turno_core::ports::NoSecrets)
}

/// The secrets the bot's integrations may name (a header's `env:`, `bot.llm.api_key_env`)
/// that are kept in SSM: `NAME` is read from the parameter named by `NAME_PARAM`.
#[cfg(feature = "bot")]
pub const INTEGRATION_SECRETS: [&str; 2] = ["ORDER_API_KEY", "LLM_API_KEY"];

/// How the integrations read the variables the configuration names: from the environment,
/// and each of [`INTEGRATION_SECRETS`] that is not set there from its SSM parameter (its
/// `NAME_PARAM` variable), read once at start-up. Locally the variables themselves are set.
#[cfg(feature = "bot")]
pub async fn integration_secrets(
    function: &str,
    clients: &Clients,
    env: Env<'_>,
) -> anyhow::Result<turno_integrations::Env> {
    let mut from_ssm = std::collections::HashMap::new();
    for name in INTEGRATION_SECRETS {
        let param_var = format!("{name}_PARAM");
        if env(name).is_some() || env(&param_var).is_none() {
            continue;
        }
        let value = secret_with(function, &param_var, clients, env).await?;
        from_ssm.insert(name.to_owned(), value);
    }
    Ok(Arc::new(move |name: &str| {
        process_env(name).or_else(|| from_ssm.get(name).cloned())
    }))
}

/// The Graph API client behind a circuit breaker, if the function sends to WhatsApp (it has
/// `TURNO_WHATSAPP_TOKEN_PARAM`, or a workspace has a Graph token of its own); [`NoWhatsApp`]
/// otherwise. Each workspace with its own token sends with it.
#[cfg(feature = "graph")]
async fn whatsapp(
    function: &str,
    clients: &Clients,
    env: Env<'_>,
    workspaces: &Workspaces,
    secrets: &Arc<dyn turno_core::ports::SecretResolver>,
) -> anyhow::Result<Arc<dyn WhatsApp>> {
    let own_tokens = workspaces.iter().any(|ws| {
        ws.credentials
            .as_ref()
            .is_some_and(|c| c.graph_token.is_some())
    });
    let has_default = env(WHATSAPP_TOKEN_PARAM_VAR).is_some();
    if !has_default && !own_tokens {
        return Ok(Arc::new(NoWhatsApp));
    }
    // Without a deployment token the client's own is never used.
    let token = if has_default {
        secret_with(function, WHATSAPP_TOKEN_PARAM_VAR, clients, env).await?
    } else {
        "unset".to_owned()
    };
    let base_url = env(GRAPH_API_BASE_URL_VAR).unwrap_or_else(|| {
        let version =
            env(GRAPH_API_VERSION_VAR).unwrap_or_else(|| DEFAULT_GRAPH_API_VERSION.to_owned());
        format!("https://graph.facebook.com/{version}")
    });
    // A Lambda response carries at most 6 MB, and binary bodies go base64-encoded.
    let config = turno_whatsapp::graph::GraphConfig {
        base_url,
        max_media_bytes: LAMBDA_MAX_MEDIA_BYTES,
        ..turno_whatsapp::graph::GraphConfig::new(token)
    };
    let graph = turno_whatsapp::graph::GraphClient::with_config(config)
        .with_context(|| format!("turno {function}: the Graph API client"))?;
    let graph = Arc::new(turno_whatsapp::graph::WorkspaceGraph::new(
        graph,
        has_default,
        workspaces.clone(),
        Arc::clone(secrets),
    ));
    // One breaker per execution environment: while Graph is down a warm function fails its
    // sends at once instead of waiting out timeouts on every record.
    let breaker = Arc::new(turno_whatsapp::breaker::CircuitBreaker::new(
        turno_whatsapp::breaker::BreakerOptions::default(),
        Arc::new(SystemClock),
    ));
    Ok(Arc::new(turno_whatsapp::breaker::BreakerWhatsApp::new(
        graph, breaker,
    )))
}

/// A function built without the Graph API client never sends.
#[cfg(not(feature = "graph"))]
async fn whatsapp(
    _function: &str,
    _clients: &Clients,
    _env: Env<'_>,
    _workspaces: &Workspaces,
    _secrets: &Arc<dyn turno_core::ports::SecretResolver>,
) -> anyhow::Result<Arc<dyn WhatsApp>> {
    Ok(Arc::new(NoWhatsApp))
}

/// With `TURNO_VAPID_KEY_PARAM` set: the notifier that also sends Web Push with that key,
/// and the settings browsers subscribe with. Without it: `webhook` alone, and no push.
#[cfg(feature = "notify")]
async fn push_with(
    function: &str,
    webhook: Arc<dyn turno_core::ports::Notifier>,
    store: &Arc<dyn turno_core::ports::Store>,
    clients: &Clients,
    env: Env<'_>,
) -> anyhow::Result<(
    Arc<dyn turno_core::ports::Notifier>,
    Option<turno_core::app::PushSettings>,
)> {
    if env(VAPID_KEY_PARAM_VAR).is_none() {
        return Ok((webhook, None));
    }
    let text = secret_with(function, VAPID_KEY_PARAM_VAR, clients, env).await?;
    let key = turno_notify::push::VapidKey::from_text(&text).with_context(|| {
        format!("turno {function}: the VAPID key named by {VAPID_KEY_PARAM_VAR}")
    })?;
    let settings = turno_core::app::PushSettings {
        public_key: key.public_key().to_owned(),
        allow_loopback_http: false,
    };
    let subject = env(PUSH_SUBJECT_VAR).unwrap_or_else(|| "mailto:push@localhost".to_owned());
    let sender = turno_notify::push::PushSender::new(key, subject)
        .with_context(|| format!("turno {function}: the Web Push client"))?;
    let notifier = turno_notify::push::PushNotifier::new(
        webhook,
        sender,
        store.clone(),
        Arc::new(SystemClock),
    );
    Ok((Arc::new(notifier), Some(settings)))
}

/// The SQS queues from the `TURNO_*_QUEUE_URL` variables, on this execution environment's
/// client: a queue consumer delays redeliveries with it
/// ([`handle_sqs_batch_backing_off`](crate::handle_sqs_batch_backing_off)).
#[cfg(feature = "queue")]
pub async fn queues(function: &str) -> anyhow::Result<SqsQueue> {
    queues_with(function, clients().await, &process_env)
}

/// [`queues`] with the clients and the environment given.
#[cfg(feature = "queue")]
pub fn queues_with(function: &str, clients: &Clients, env: Env<'_>) -> anyhow::Result<SqsQueue> {
    let mut urls = std::collections::HashMap::new();
    for q in QueueName::ALL {
        let var = turno_aws::queue_url_var(q);
        let url = env(var).with_context(|| {
            format!(
                "turno {function}: {var} must name the URL of the {} queue",
                q.as_str()
            )
        })?;
        urls.insert(q, url);
    }
    SqsQueue::new(clients.sqs.clone(), urls)
        .with_context(|| format!("turno {function}: the queue URLs"))
}

/// The dead-letter queues from the `TURNO_*_QUEUE_URL` and `TURNO_*_DLQ_URL` variables
/// (only the agent API has the latter): what an admin lists and redrives.
#[cfg(feature = "api")]
pub async fn dead_letters(function: &str) -> anyhow::Result<turno_aws::SqsDeadLetters> {
    dead_letters_with(function, clients().await, &process_env)
}

/// [`dead_letters`] with the clients and the environment given.
#[cfg(feature = "api")]
pub fn dead_letters_with(
    function: &str,
    clients: &Clients,
    env: Env<'_>,
) -> anyhow::Result<turno_aws::SqsDeadLetters> {
    turno_aws::SqsDeadLetters::from_env_with(clients.sqs.clone(), env)
        .with_context(|| format!("turno {function}: the dead-letter queues"))
}

/// A secret (WhatsApp token, app secret, verify token, JWT key) from the SSM SecureString
/// parameter whose name is in the environment variable `name_var`. Errors name the variable
/// and the parameter, never the value.
#[cfg(feature = "secrets")]
pub async fn secret(function: &str, name_var: &str) -> anyhow::Result<String> {
    // The variable is checked before any client is built, so a template that forgot it is
    // named first.
    let _ = env_name(function, name_var, &process_env)?;
    secret_with(function, name_var, clients().await, &process_env).await
}

/// [`secret`] with the clients and the environment given.
#[cfg(feature = "secrets")]
pub async fn secret_with(
    function: &str,
    name_var: &str,
    clients: &Clients,
    env: Env<'_>,
) -> anyhow::Result<String> {
    let name = env_name(function, name_var, env)?;
    turno_aws::parameter(&clients.ssm, &name)
        .await
        .with_context(|| format!("turno {function}: the secret named by {name_var}"))
}

#[cfg(feature = "secrets")]
fn env_name(function: &str, name_var: &str, env: Env<'_>) -> anyhow::Result<String> {
    env(name_var).with_context(|| {
        format!("turno {function}: {name_var} must name the SSM parameter that holds the secret")
    })
}

/// The largest media the agent API passes through on Lambda: 4 MiB is 5.6 MB in base64,
/// under the 6 MB a Lambda response may carry.
#[cfg(feature = "graph")]
const LAMBDA_MAX_MEDIA_BYTES: u64 = 4 * 1024 * 1024;

/// The WhatsApp port of a function that has no access token (it never sends).
struct NoWhatsApp;

#[async_trait]
impl WhatsApp for NoWhatsApp {
    async fn send(
        &self,
        _ws: &WorkspaceId,
        _to: &WaId,
        _message: &Outbound,
    ) -> Result<MessageId, SendError> {
        Err(no_token())
    }

    async fn media(
        &self,
        _ws: &WorkspaceId,
        _media_id: &str,
    ) -> Result<turno_core::channel::message::MediaFile, turno_core::ports::MediaError> {
        Err(turno_core::ports::MediaError::Rejected {
            code: 0,
            message: format!(
                "this function has no WhatsApp access token ({WHATSAPP_TOKEN_PARAM_VAR} is not set)"
            ),
        })
    }

    async fn upload_media(
        &self,
        _ws: &WorkspaceId,
        _mime_type: &str,
        _filename: &str,
        _bytes: Vec<u8>,
    ) -> Result<String, SendError> {
        Err(no_token())
    }

    async fn message_templates(
        &self,
        _ws: &WorkspaceId,
        _waba_id: &str,
    ) -> Result<Vec<turno_core::channel::templates::ListedTemplate>, SendError> {
        Err(no_token())
    }

    async fn mark_read(&self, _ws: &WorkspaceId, _message: &MessageId) -> Result<(), SendError> {
        Ok(())
    }
}

/// What [`NoWhatsApp`] answers a call that needs the Graph API.
fn no_token() -> SendError {
    SendError::Rejected {
        code: 0,
        message: format!(
            "this function has no WhatsApp access token ({WHATSAPP_TOKEN_PARAM_VAR} is not set)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn offline_clients() -> Clients {
        let config = aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .build();
        Clients::new(&config)
    }

    #[tokio::test]
    async fn connect_without_the_table_names_the_function_and_the_variable() {
        let env = |name: &str| (name != TABLE_VAR).then(|| "x".to_owned());
        let err = connect_with(
            "bot-turn",
            Workspaces::default(),
            &offline_clients().await,
            &env,
        )
        .await
        .err()
        .expect("no table configured");
        let msg = format!("{err:#}");
        assert!(
            msg.starts_with("turno bot-turn: TURNO_TABLE must name"),
            "{msg}"
        );
    }

    #[tokio::test]
    async fn connect_refuses_a_standard_queue_url_for_a_fifo_queue() {
        let env = |name: &str| {
            Some(match name {
                "TURNO_INBOUND_QUEUE_URL" => "https://sqs.example/1/inbound".to_owned(),
                "TURNO_TICKET_WRITES_QUEUE_URL" => "https://sqs.example/1/tw.fifo".to_owned(),
                WHATSAPP_TOKEN_PARAM_VAR | GRAPH_API_BASE_URL_VAR | NOTIFY_WEBHOOK_URL_VAR => {
                    return None;
                }
                _ => "https://sqs.example/1/standard".to_owned(),
            })
        };
        let err = connect_with(
            "escalation",
            Workspaces::default(),
            &offline_clients().await,
            &env,
        )
        .await
        .err()
        .expect("inbound must be FIFO");
        assert!(format!("{err:#}").contains("inbound"), "{err:#}");
    }

    #[tokio::test]
    async fn a_secret_whose_parameter_name_is_not_configured_names_the_variable() {
        let err = secret("webhook-ingress", "TURNO_TEST_NEVER_SET_PARAM")
            .await
            .expect_err("no parameter name is configured");
        let msg = format!("{err:#}");
        assert!(
            msg.contains("TURNO_TEST_NEVER_SET_PARAM must name the SSM parameter"),
            "{msg}"
        );
    }

    #[tokio::test]
    async fn a_function_without_a_token_refuses_to_send_instead_of_pretending() {
        let err = NoWhatsApp
            .send(
                &WorkspaceId::parse("demo").expect("ws"),
                &WaId::parse("34600111222").expect("wa id"),
                &Outbound::text("hola"),
            )
            .await
            .expect_err("no token");
        assert!(!err.is_retryable());
    }
}
