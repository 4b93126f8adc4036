//! The counting proxy in front of each emulator: every AWS request the functions make, and
//! the DynamoDB capacity it consumes.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// AWS requests and the DynamoDB capacity they consume: write units from the items' sizes as
/// DynamoDB bills them (`turno_aws::request_write_units`), the indexes' as a floor.
#[derive(Debug, Default, Clone)]
pub(crate) struct Usage {
    pub(crate) requests: BTreeMap<String, u64>,
    pub(crate) wcu: f64,
    /// Write units the puts cost in the table's indexes, at least.
    pub(crate) index_wcu: f64,
    pub(crate) rcu: f64,
    pub(crate) sqs_fifo: u64,
    pub(crate) sqs_standard: u64,
    pub(crate) events: u64,
}

impl Usage {
    pub(crate) fn total(&self) -> u64 {
        self.requests.values().sum()
    }

    pub(crate) fn minus(&self, before: &Usage) -> Usage {
        let mut requests = BTreeMap::new();
        for (op, n) in &self.requests {
            let d = n - before.requests.get(op).copied().unwrap_or(0);
            if d > 0 {
                requests.insert(op.clone(), d);
            }
        }
        Usage {
            requests,
            wcu: self.wcu - before.wcu,
            index_wcu: self.index_wcu - before.index_wcu,
            rcu: self.rcu - before.rcu,
            sqs_fifo: self.sqs_fifo - before.sqs_fifo,
            sqs_standard: self.sqs_standard - before.sqs_standard,
            events: self.events - before.events,
        }
    }
}

#[derive(Clone, Default)]
pub(crate) struct Meter(Arc<Mutex<Usage>>);

impl Meter {
    pub(crate) fn snapshot(&self) -> Usage {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn record(&self, target: &str, request: &Value, response_len: usize) {
        let (service, op) = target.split_once('.').unwrap_or(("unknown", target));
        let service = match service {
            s if s.starts_with("DynamoDB") => "DynamoDB",
            "AmazonSQS" => "SQS",
            "AWSEvents" => "EventBridge",
            "AmazonSSM" => "SSM",
            other => other,
        };
        let mut u = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *u.requests.entry(format!("{service}.{op}")).or_default() += 1;
        let read_units = |len: usize, consistent: bool| {
            (len as f64 / 4096.0).ceil().max(1.0) * if consistent { 1.0 } else { 0.5 }
        };
        let consistent = request["ConsistentRead"].as_bool().unwrap_or(false);
        if service == "DynamoDB" {
            // Items measured as DynamoDB bills them, by the same rules as the tests' counter.
            u.wcu += turno_aws::request_write_units(op, request);
            u.index_wcu += turno_aws::request_index_write_units(op, request);
        }
        match (service, op) {
            ("DynamoDB", "GetItem" | "Query") => u.rcu += read_units(response_len, consistent),
            ("DynamoDB", "BatchGetItem") => {
                let keys: usize = request["RequestItems"]
                    .as_object()
                    .map(|t| {
                        t.values()
                            .map(|k| k["Keys"].as_array().map_or(0, Vec::len))
                            .sum()
                    })
                    .unwrap_or(0);
                u.rcu += keys as f64;
            }
            ("SQS", _) => {
                // SQS bills each 64 KB chunk of a request; these are small.
                let fifo = request["QueueUrl"]
                    .as_str()
                    .is_some_and(|u| u.ends_with(".fifo"));
                if fifo {
                    u.sqs_fifo += 1;
                } else {
                    u.sqs_standard += 1;
                }
            }
            ("EventBridge", "PutEvents") => {
                u.events += request["Entries"].as_array().map_or(0, |e| e.len() as u64);
            }
            _ => {}
        }
    }
}

#[derive(Clone)]
pub(crate) struct Proxy {
    pub(crate) upstream: String,
    pub(crate) client: reqwest::Client,
    pub(crate) meter: Meter,
}

pub(crate) async fn forward(State(p): State<Proxy>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 16 * 1024 * 1024).await else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut req = p
        .client
        .request(parts.method.clone(), format!("{}{path}", p.upstream));
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            req = req.header(name, value);
        }
    }
    let target = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("unknown.unknown")
        .to_owned();
    let reply = match req.body(bytes.clone()).send().await {
        Ok(r) => r,
        Err(e) => return (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    };
    let status = reply.status();
    let headers = reply.headers().clone();
    let body = reply.bytes().await.unwrap_or_default();
    let request_json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    p.meter.record(&target, &request_json, body.len());
    let mut response = Response::builder().status(status);
    for (name, value) in &headers {
        if name != "content-length" && name != "transfer-encoding" && name != "connection" {
            response = response.header(name, value);
        }
    }
    response
        .body(Body::from(body))
        .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response())
}

pub(crate) async fn serve(router: Router) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, router.into_make_service()).await });
    Ok(addr.to_string())
}

pub(crate) async fn start_proxy(upstream: String, meter: Meter) -> anyhow::Result<String> {
    let proxy = Proxy {
        upstream: upstream.trim_end_matches('/').to_owned(),
        client: reqwest::Client::new(),
        meter,
    };
    let addr = serve(Router::new().fallback(forward).with_state(proxy)).await?;
    Ok(format!("http://{addr}"))
}
