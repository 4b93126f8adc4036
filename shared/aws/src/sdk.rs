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
    #[cfg(feature = "cognito")]
    pub cognito: aws_sdk_cognitoidentityprovider::Client,
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
            #[cfg(feature = "cognito")]
            cognito: client!(aws_sdk_cognitoidentityprovider),
        }
    }
}

/// Counts the HTTP requests (attempts, retries included) the SDK clients send, by operation,
/// and the DynamoDB write units they consume.
#[derive(Clone, Debug, Default)]
pub struct RequestCounter(Arc<Mutex<Counted>>);

#[derive(Debug, Default)]
struct Counted {
    requests: BTreeMap<String, u64>,
    write_units: f64,
    index_write_units: f64,
    /// Each item written, when [`RequestCounter::log_writes`] asked for them.
    writes: Option<Vec<ItemWrite>>,
}

/// One item a DynamoDB write request wrote, as [`RequestCounter::take_writes`] lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemWrite {
    /// The request's operation, e.g. `TransactWriteItems`.
    pub operation: String,
    /// `Put`, `Update`, `Delete` or `ConditionCheck`.
    pub kind: String,
    /// The item's key, `PK | SK`.
    pub key: String,
    /// The item's size as DynamoDB bills it (a put's whole item; 0 for the others, which bill
    /// one unit whatever they change).
    pub bytes: usize,
    /// The write units it costs in the table.
    pub units: f64,
    /// The write units a put costs in the indexes it lands in, at least (see
    /// [`index_write_units`](crate::index_write_units)); 0 for the others.
    pub index_units: f64,
}

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
            .requests
            .clone()
    }

    /// The DynamoDB write units the requests so far consume, as DynamoDB bills them: one per
    /// KB of each item a single write puts (one for an update or a delete), twice that in a
    /// transaction. An item's size is DynamoDB's own measure of it (see [`item_size`]).
    pub fn write_units(&self) -> f64 {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .write_units
    }

    /// The write units the puts so far cost in the table's indexes, at least (see
    /// [`index_write_units`](crate::index_write_units)): DynamoDB bills them beside
    /// [`write_units`](Self::write_units), never doubled by a transaction.
    pub fn index_write_units(&self) -> f64 {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .index_write_units
    }

    /// From now on, keeps each item DynamoDB write requests write (see
    /// [`take_writes`](Self::take_writes)): what a budget prints to say where the units go.
    pub fn log_writes(&self) {
        let mut counted = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        counted.writes.get_or_insert_with(Vec::new);
    }

    /// The items written since the last call, in order (none unless
    /// [`log_writes`](Self::log_writes) was called).
    pub fn take_writes(&self) -> Vec<ItemWrite> {
        let mut counted = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        counted
            .writes
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }
}

/// The items one DynamoDB request writes, each with its write units (see
/// [`RequestCounter::write_units`]).
fn item_writes(operation: &str, body: &serde_json::Value) -> Vec<ItemWrite> {
    let kb = |v: &serde_json::Value| (item_size(v) as f64 / 1024.0).ceil().max(1.0);
    let key_of = |item: &serde_json::Value| {
        let part = |name: &str| item[name]["S"].as_str().unwrap_or("?").to_owned();
        format!("{} | {}", part("PK"), part("SK"))
    };
    let write =
        |kind: &str, key: String, item: Option<&serde_json::Value>, factor: f64| ItemWrite {
            operation: operation.to_owned(),
            kind: kind.to_owned(),
            key,
            bytes: item.map_or(0, item_size),
            units: factor * item.map_or(1.0, kb),
            index_units: item.map_or(0.0, crate::index_write_units),
        };
    match operation {
        "PutItem" => vec![write(
            "Put",
            key_of(&body["Item"]),
            Some(&body["Item"]),
            1.0,
        )],
        "UpdateItem" => vec![write("Update", key_of(&body["Key"]), None, 1.0)],
        "DeleteItem" => vec![write("Delete", key_of(&body["Key"]), None, 1.0)],
        "TransactWriteItems" => body["TransactItems"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|item| item.as_object()?.iter().next())
            .map(|(kind, action)| match kind.as_str() {
                "Put" => write(kind, key_of(&action["Item"]), Some(&action["Item"]), 2.0),
                _ => write(kind, key_of(&action["Key"]), None, 2.0),
            })
            .collect(),
        "BatchWriteItem" => body["RequestItems"]
            .as_object()
            .into_iter()
            .flat_map(|t| t.values())
            .flat_map(|w| w.as_array().into_iter().flatten())
            .map(|w| match w.get("PutRequest") {
                Some(p) => write("Put", key_of(&p["Item"]), Some(&p["Item"]), 1.0),
                None => write("Delete", key_of(&w["DeleteRequest"]["Key"]), None, 1.0),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The table's write units of one DynamoDB request, `operation` with `body` in DynamoDB's
/// JSON (see [`RequestCounter::write_units`]).
pub fn request_write_units(operation: &str, body: &serde_json::Value) -> f64 {
    item_writes(operation, body).iter().map(|w| w.units).sum()
}

/// The indexes' write units of one DynamoDB request, at least (see
/// [`index_write_units`](crate::index_write_units)).
pub fn request_index_write_units(operation: &str, body: &serde_json::Value) -> f64 {
    item_writes(operation, body)
        .iter()
        .fold(0.0, |sum, w| sum + w.index_units)
}

/// The size DynamoDB bills an item (a request's `Item`, in DynamoDB's JSON) by: each
/// attribute's name plus its value, where a string is its UTF-8 bytes, a binary its bytes, a
/// number one byte per two significant digits plus one, a boolean or null one byte, and a
/// map or list three bytes plus one per element (with a map's names) and the elements.
pub fn item_size(item: &serde_json::Value) -> usize {
    item.as_object()
        .into_iter()
        .flatten()
        .map(|(name, value)| name.len() + value_size(value))
        .sum()
}

fn value_size(value: &serde_json::Value) -> usize {
    let Some((kind, v)) = value.as_object().and_then(|o| o.iter().next()) else {
        return 0;
    };
    let number = |n: &str| {
        n.trim_start_matches(['-', '0', '.'])
            .replace('.', "")
            .len()
            .div_ceil(2)
            + 1
    };
    let binary = |b: &str| b.len() / 4 * 3;
    match (kind.as_str(), v) {
        ("S", serde_json::Value::String(s)) => s.len(),
        ("N", serde_json::Value::String(n)) => number(n),
        ("B", serde_json::Value::String(b)) => binary(b),
        ("BOOL" | "NULL", _) => 1,
        ("SS", serde_json::Value::Array(a)) => {
            a.iter().filter_map(|s| s.as_str()).map(str::len).sum()
        }
        ("NS", serde_json::Value::Array(a)) => {
            a.iter().filter_map(|s| s.as_str()).map(number).sum()
        }
        ("BS", serde_json::Value::Array(a)) => {
            a.iter().filter_map(|s| s.as_str()).map(binary).sum()
        }
        ("L", serde_json::Value::Array(a)) => {
            3 + a.iter().map(|e| 1 + value_size(e)).sum::<usize>()
        }
        ("M", serde_json::Value::Object(m)) => {
            3 + m
                .iter()
                .map(|(k, e)| 1 + k.len() + value_size(e))
                .sum::<usize>()
        }
        _ => 0,
    }
}

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "turno-request-counter"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (service, name) = cfg
            .load::<Metadata>()
            .map_or(("unknown", "unknown"), |m| (m.service(), m.name()));
        let body: Option<serde_json::Value> = (service == "DynamoDB")
            .then(|| context.request().body().bytes())
            .flatten()
            .and_then(|b| serde_json::from_slice(b).ok());
        let writes = body
            .as_ref()
            .map(|body| item_writes(name, body))
            .unwrap_or_default();
        let mut counted = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *counted
            .requests
            .entry(format!("{service}.{name}"))
            .or_default() += 1;
        counted.write_units += writes.iter().map(|w| w.units).sum::<f64>();
        counted.index_write_units += writes.iter().map(|w| w.index_units).sum::<f64>();
        if let Some(log) = counted.writes.as_mut() {
            log.extend(writes);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{item_size, item_writes, request_write_units as write_units};

    #[test]
    fn an_item_is_measured_as_dynamodb_bills_it() {
        let item = serde_json::json!({
            "PK": {"S": "WS#1#CONV#34600"},
            "n": {"N": "12345"},
            "ok": {"BOOL": true},
            "gone": {"NULL": true},
            "list": {"L": [{"S": "ab"}, {"N": "7"}]},
            "map": {"M": {"k": {"S": "xyz"}}},
        });
        // 2+15, 1+4, 2+1, 4+1, 4+(3+1+2+1+2), 3+(3+1+1+3)
        assert_eq!(item_size(&item), 17 + 5 + 3 + 5 + 13 + 11);
        let big = serde_json::json!({"Item": {"PK": {"S": "x".repeat(1100)}}});
        assert_eq!(write_units("PutItem", &big), 2.0);
        let tx = serde_json::json!({"TransactItems": [{"Put": big}, {"Update": {}}]});
        assert_eq!(write_units("TransactWriteItems", &tx), 6.0);
    }

    #[test]
    fn the_items_a_request_writes_add_up_to_its_write_units() {
        let put = serde_json::json!({"PK": {"S": "A"}, "SK": {"S": "x".repeat(1100)}});
        let key = serde_json::json!({"PK": {"S": "B"}, "SK": {"S": "n"}});
        let tx = serde_json::json!({"TransactItems": [
            {"Put": {"Item": put}},
            {"Update": {"Key": key}},
            {"ConditionCheck": {"Key": key}},
        ]});
        let writes = item_writes("TransactWriteItems", &tx);
        let listed: Vec<(&str, usize, f64)> = writes
            .iter()
            .map(|w| (w.kind.as_str(), w.bytes, w.units))
            .collect();
        assert_eq!(
            listed,
            [
                ("Put", 1105, 4.0),
                ("Update", 0, 2.0),
                ("ConditionCheck", 0, 2.0)
            ]
        );
        assert_eq!(writes[1].key, "B | n");
        let total: f64 = writes.iter().map(|w| w.units).sum();
        assert_eq!(total, write_units("TransactWriteItems", &tx));
    }
}
