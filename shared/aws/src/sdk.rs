//! The SDK configuration and clients, built once per execution environment.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_dynamodb::config::ConfigBag;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

/// The SDK configuration from the environment (region, credentials, and endpoints: the SDK
/// honours `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>`), with an HTTPS client on
/// rustls and ring, the crypto the rest of turno already links, instead of the SDK's default
/// aws-lc.
pub async fn load_sdk_config() -> SdkConfig {
    let http_client = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https();
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(http_client)
        .load()
        .await
}

/// The SDK clients turno uses, built from one configuration: DynamoDB always, the others
/// with the adapter features that use them.
#[derive(Clone, Debug)]
pub struct Clients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    #[cfg(feature = "sqs")]
    pub sqs: aws_sdk_sqs::Client,
    #[cfg(feature = "eventbridge")]
    pub eventbridge: aws_sdk_eventbridge::Client,
    #[cfg(feature = "ssm")]
    pub ssm: aws_sdk_ssm::Client,
}

impl Clients {
    pub fn new(config: &SdkConfig) -> Self {
        Self::build(config, None)
    }

    /// Clients whose every request attempt is counted by `counter`.
    pub fn counted(config: &SdkConfig, counter: &RequestCounter) -> Self {
        Self::build(config, Some(counter))
    }

    fn build(config: &SdkConfig, counter: Option<&RequestCounter>) -> Self {
        macro_rules! client {
            ($sdk:ident) => {{
                let mut builder = $sdk::config::Builder::from(config);
                if let Some(counter) = counter {
                    builder = builder.interceptor(counter.clone());
                }
                $sdk::Client::from_conf(builder.build())
            }};
        }
        Clients {
            dynamodb: client!(aws_sdk_dynamodb),
            #[cfg(feature = "sqs")]
            sqs: client!(aws_sdk_sqs),
            #[cfg(feature = "eventbridge")]
            eventbridge: client!(aws_sdk_eventbridge),
            #[cfg(feature = "ssm")]
            ssm: client!(aws_sdk_ssm),
        }
    }
}

/// Counts the HTTP requests (attempts, retries included) the SDK clients send, by operation.
#[derive(Clone, Debug, Default)]
pub struct RequestCounter(Arc<Mutex<BTreeMap<String, u64>>>);

impl RequestCounter {
    /// Every request so far.
    pub fn count(&self) -> u64 {
        self.by_operation().values().sum()
    }

    /// The requests so far by `Service.Operation`, e.g. `DynamoDB.GetItem`.
    pub fn by_operation(&self) -> BTreeMap<String, u64> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "turno-request-counter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg.load::<Metadata>().map_or_else(
            || "unknown".to_owned(),
            |m| format!("{}.{}", m.service(), m.name()),
        );
        *self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(operation)
            .or_default() += 1;
        Ok(())
    }
}
