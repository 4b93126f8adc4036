//! Test support (feature `testing`): SDK clients on the local emulators that
//! `./infra/test.sh` starts, a table created from `template.yaml`'s definition, fresh SQS
//! queues. Tests that use it fail, naming `./infra/test.sh`, when the emulators are not there:
//! they never skip.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

/// The DynamoDB attribute type, for tests that read items as they are stored.
pub use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;

use crate::{Clients, RequestCounter, load_sdk_config};
use aws_config::{Region, SdkConfig};
use aws_sdk_dynamodb::config::{Credentials, SharedCredentialsProvider};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType,
};
use serde_yaml_ng::Value;
use tokio::sync::OnceCell;
use turno_core::ports::QueueName;

mod stream;
pub use stream::{StreamTail, caught_up_store, stream_event};

pub const DYNAMODB_ENDPOINT_VAR: &str = "TURNO_TEST_DYNAMODB_ENDPOINT";
pub const MOTO_ENDPOINT_VAR: &str = "TURNO_TEST_MOTO_ENDPOINT";

/// The endpoint in `var`, or a failure that says how to get one: these tests never skip.
pub fn endpoint(var: &str) -> String {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => v,
        _ => panic!(
            "{var} is not set: the AWS adapter tests run against local emulators. Run them \
             with ./infra/test.sh, or start the emulators with ./infra/emulators/start.sh and \
             `source .turno-emulators/env` before `cargo test -p turno-aws`"
        ),
    }
}

/// The SDK configuration turno uses, pointed at `endpoint` with dummy credentials.
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    load_sdk_config()
        .await
        .into_builder()
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "turnotest",
            "turnotest",
            None,
            None,
            "turnotest",
        )))
        .build()
}

pub async fn dynamodb_clients() -> Clients {
    Clients::new(&sdk_config(&endpoint(DYNAMODB_ENDPOINT_VAR)).await)
}

pub async fn moto_clients() -> Clients {
    Clients::new(&sdk_config(&endpoint(MOTO_ENDPOINT_VAR)).await)
}

pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

static TABLE: OnceCell<String> = OnceCell::const_new();

/// This test binary's table, created on first use (with a fresh name) from the `Table`
/// resource of `template.yaml`, so the tests run on the indexes that get deployed.
pub async fn table(client: &aws_sdk_dynamodb::Client) -> String {
    TABLE
        .get_or_init(|| async {
            let name = unique("turno-test");
            create_table_from_template(client, &name).await;
            name
        })
        .await
        .clone()
}

/// The SAM template whose `Table` resource defines the test tables.
pub const TEMPLATE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml");

fn template_table() -> Value {
    let path = TEMPLATE;
    let text = std::fs::read_to_string(path).expect("read template.yaml");
    let template: Value = serde_yaml_ng::from_str(&text).expect("template.yaml is YAML");
    template["Resources"]["Table"]["Properties"].clone()
}

fn key_schema(v: &Value) -> Vec<KeySchemaElement> {
    v.as_sequence()
        .expect("a key schema")
        .iter()
        .map(|k| {
            KeySchemaElement::builder()
                .attribute_name(k["AttributeName"].as_str().unwrap())
                .key_type(KeyType::from(k["KeyType"].as_str().unwrap()))
                .build()
                .unwrap()
        })
        .collect()
}

pub async fn create_table_from_template(client: &aws_sdk_dynamodb::Client, name: &str) {
    let props = template_table();
    assert_eq!(props["BillingMode"].as_str(), Some("PAY_PER_REQUEST"));
    let attributes = props["AttributeDefinitions"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|a| {
            AttributeDefinition::builder()
                .attribute_name(a["AttributeName"].as_str().unwrap())
                .attribute_type(ScalarAttributeType::from(
                    a["AttributeType"].as_str().unwrap(),
                ))
                .build()
                .unwrap()
        })
        .collect();
    let indexes = props["GlobalSecondaryIndexes"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|g| {
            GlobalSecondaryIndex::builder()
                .index_name(g["IndexName"].as_str().unwrap())
                .set_key_schema(Some(key_schema(&g["KeySchema"])))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::from(
                            g["Projection"]["ProjectionType"].as_str().unwrap(),
                        ))
                        .set_non_key_attributes(
                            g["Projection"]["NonKeyAttributes"].as_sequence().map(|a| {
                                a.iter()
                                    .filter_map(|x| x.as_str().map(str::to_owned))
                                    .collect()
                            }),
                        )
                        .build(),
                )
                .build()
                .unwrap()
        })
        .collect();
    client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_attribute_definitions(Some(attributes))
        .set_key_schema(Some(key_schema(&props["KeySchema"])))
        .set_global_secondary_indexes(Some(indexes))
        .set_stream_specification(props["StreamSpecification"]["StreamViewType"].as_str().map(
            |view| {
                aws_sdk_dynamodb::types::StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(aws_sdk_dynamodb::types::StreamViewType::from(view))
                    .build()
                    .unwrap()
            },
        ))
        .send()
        .await
        .expect("create the test table from template.yaml's definition");
}

/// Fresh queues, one per [`QueueName`], FIFO where the name says so.
pub async fn create_queues(sqs: &aws_sdk_sqs::Client) -> HashMap<QueueName, String> {
    use aws_sdk_sqs::types::QueueAttributeName;
    let run = uuid::Uuid::new_v4().simple().to_string();
    let mut urls = HashMap::new();
    for q in QueueName::ALL {
        let mut req = sqs.create_queue();
        let name = if q.is_fifo() {
            req = req
                .attributes(QueueAttributeName::FifoQueue, "true")
                .attributes(QueueAttributeName::ContentBasedDeduplication, "false");
            format!("{}-{run}.fifo", q.as_str())
        } else {
            format!("{}-{run}", q.as_str())
        };
        let out = req.queue_name(name).send().await.expect("create queue");
        urls.insert(q, out.queue_url.expect("queue url"));
    }
    urls
}

/// Fresh queues as `template.yaml` makes them: each with its dead-letter queue, which takes
/// a message once it was received `max_receives` times.
pub async fn create_queues_with_dead_letters(
    sqs: &aws_sdk_sqs::Client,
    max_receives: u32,
) -> HashMap<QueueName, crate::QueuePair> {
    use aws_sdk_sqs::types::QueueAttributeName;
    let run = uuid::Uuid::new_v4().simple().to_string();
    let mut pairs = HashMap::new();
    for q in QueueName::ALL {
        let suffix = if q.is_fifo() { ".fifo" } else { "" };
        let create = |name: String| {
            let mut req = sqs.create_queue().queue_name(name);
            if q.is_fifo() {
                req = req
                    .attributes(QueueAttributeName::FifoQueue, "true")
                    .attributes(QueueAttributeName::ContentBasedDeduplication, "false");
            }
            req
        };
        let dlq = create(format!("{}-{run}-dlq{suffix}", q.as_str()))
            .send()
            .await
            .expect("create dead-letter queue")
            .queue_url
            .expect("queue url");
        let dlq_arn = sqs
            .get_queue_attributes()
            .queue_url(&dlq)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .expect("dead-letter queue ARN")
            .attributes
            .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
            .expect("an ARN");
        let policy = serde_json::json!({
            "deadLetterTargetArn": dlq_arn,
            "maxReceiveCount": max_receives.to_string(),
        });
        let url = create(format!("{}-{run}{suffix}", q.as_str()))
            .attributes(QueueAttributeName::RedrivePolicy, policy.to_string())
            .send()
            .await
            .expect("create queue")
            .queue_url
            .expect("queue url");
        pairs.insert(
            q,
            crate::QueuePair {
                queue_url: url,
                dead_letter_url: dlq,
            },
        );
    }
    pairs
}

/// The SQS event Lambda would hand the consumer of `queue` for `messages`, in Lambda's JSON.
pub fn sqs_event(messages: &[aws_sdk_sqs::types::Message], queue: &str) -> serde_json::Value {
    let records: Vec<serde_json::Value> = messages
        .iter()
        .map(|m| {
            let attributes: HashMap<&str, &str> = m
                .attributes()
                .map(|a| a.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect())
                .unwrap_or_default();
            serde_json::json!({
                "messageId": m.message_id(),
                "receiptHandle": m.receipt_handle(),
                "body": m.body(),
                "attributes": attributes,
                "messageAttributes": {},
                "md5OfBody": m.md5_of_body(),
                "eventSource": "aws:sqs",
                "eventSourceARN": format!("arn:aws:sqs:us-east-1:123456789012:{queue}"),
                "awsRegion": "us-east-1"
            })
        })
        .collect();
    serde_json::json!({ "Records": records })
}

/// Receives and deletes what `url` has now, waiting up to `wait_secs` for a first message.
pub async fn drain_url(
    sqs: &aws_sdk_sqs::Client,
    url: &str,
    wait_secs: i32,
) -> Vec<aws_sdk_sqs::types::Message> {
    let mut out = Vec::new();
    let mut wait = wait_secs;
    loop {
        let got = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(wait)
            .visibility_timeout(30)
            .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All)
            .send()
            .await
            .expect("receive");
        let messages = got.messages.unwrap_or_default();
        if messages.is_empty() {
            return out;
        }
        for m in &messages {
            sqs.delete_message()
                .queue_url(url)
                .receipt_handle(m.receipt_handle().unwrap())
                .send()
                .await
                .expect("delete");
        }
        out.extend(messages);
        wait = 0;
    }
}

/// Clients as deployed code sees them: DynamoDB on DynamoDB Local, the rest on moto.
pub async fn emulator_clients() -> Clients {
    let moto = moto_clients().await;
    Clients {
        dynamodb: dynamodb_clients().await.dynamodb,
        ..moto
    }
}

/// [`emulator_clients`] whose every request is counted by `counter`.
pub async fn counted_emulator_clients(counter: &RequestCounter) -> Clients {
    let dynamodb = Clients::counted(&sdk_config(&endpoint(DYNAMODB_ENDPOINT_VAR)).await, counter);
    let moto = Clients::counted(&sdk_config(&endpoint(MOTO_ENDPOINT_VAR)).await, counter);
    Clients {
        dynamodb: dynamodb.dynamodb,
        ..moto
    }
}

/// A fresh custom EventBridge bus on moto.
pub async fn create_event_bus(eventbridge: &aws_sdk_eventbridge::Client) -> String {
    let name = unique("turno-events");
    eventbridge
        .create_event_bus()
        .name(&name)
        .send()
        .await
        .expect("create event bus");
    name
}

/// A SecureString parameter on moto, under a fresh name.
pub async fn put_secret(ssm: &aws_sdk_ssm::Client, value: &str) -> String {
    let name = format!("/{}", unique("turno-test/secret"));
    put_secret_at(ssm, &name, value).await;
    name
}

/// A SecureString parameter on moto named `name` (overwritten if there is one).
pub async fn put_secret_at(ssm: &aws_sdk_ssm::Client, name: &str, value: &str) {
    ssm.put_parameter()
        .name(name)
        .value(value)
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .overwrite(true)
        .send()
        .await
        .expect("put SSM parameter");
}

/// A fresh Cognito user pool on moto as `template.yaml` makes it: the `custom:workspace`
/// attribute and the groups `agent`, `supervisor` and `admin`.
pub async fn create_user_pool(cognito: &aws_sdk_cognitoidentityprovider::Client) -> String {
    use aws_sdk_cognitoidentityprovider::types::{
        AttributeDataType, SchemaAttributeType, StringAttributeConstraintsType,
    };
    let pool = cognito
        .create_user_pool()
        .pool_name(unique("turno-agents"))
        .schema(
            SchemaAttributeType::builder()
                .name("workspace")
                .attribute_data_type(AttributeDataType::String)
                .mutable(true)
                .string_attribute_constraints(
                    StringAttributeConstraintsType::builder()
                        .min_length("1")
                        .max_length("64")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("create user pool");
    let id = pool
        .user_pool()
        .and_then(|p| p.id())
        .expect("a user pool id")
        .to_owned();
    for group in ["agent", "supervisor", "admin"] {
        cognito
            .create_group()
            .user_pool_id(&id)
            .group_name(group)
            .send()
            .await
            .expect("create group");
    }
    id
}

/// A user's groups, sorted.
pub async fn user_groups(
    cognito: &aws_sdk_cognitoidentityprovider::Client,
    pool: &str,
    user: &str,
) -> Vec<String> {
    let out = cognito
        .admin_list_groups_for_user()
        .user_pool_id(pool)
        .username(user)
        .send()
        .await
        .expect("list the user's groups");
    let mut groups: Vec<String> = out
        .groups()
        .iter()
        .filter_map(|g| g.group_name().map(str::to_owned))
        .collect();
    groups.sort();
    groups
}

/// A user's attributes by name, and whether it is enabled.
pub async fn user(
    cognito: &aws_sdk_cognitoidentityprovider::Client,
    pool: &str,
    user: &str,
) -> (HashMap<String, String>, bool) {
    let out = cognito
        .admin_get_user()
        .user_pool_id(pool)
        .username(user)
        .send()
        .await
        .expect("get the user");
    let attributes = out
        .user_attributes()
        .iter()
        .filter_map(|a| Some((a.name().to_owned(), a.value()?.to_owned())))
        .collect();
    (attributes, out.enabled())
}
