//! What Lambda and Meta would be: a fake Graph API that accepts every send, and a fake Lambda
//! Runtime API that hands the function its invocations and times them.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc};

use crate::proxy::{Meter, Usage};

#[derive(Clone, Default)]
pub(crate) struct Graph {
    pub(crate) sent: Arc<Mutex<Vec<(String, String)>>>,
}

pub(crate) async fn graph_send(State(g): State<Graph>, body: Bytes) -> impl IntoResponse {
    let to = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|b| b["to"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let id = format!("wamid.probe.{}", uuid::Uuid::new_v4().simple());
    g.sent
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push((to.clone(), id.clone()));
    axum::Json(json!({
        "messaging_product": "whatsapp",
        "contacts": [{ "input": to, "wa_id": to }],
        "messages": [{ "id": id }]
    }))
}

// ---- the fake Lambda Runtime API -------------------------------------------------------------

pub(crate) struct Outcome {
    pub(crate) ok: bool,
    pub(crate) body: String,
    pub(crate) at: Instant,
    pub(crate) usage: Usage,
}

pub(crate) struct Runtime {
    pub(crate) pending: Mutex<VecDeque<(String, String)>>,
    pub(crate) arrived: Notify,
    /// When each invocation was handed out, with the usage then.
    pub(crate) started: Mutex<HashMap<String, (Instant, Usage)>>,
    /// When the function first asked for work: its init is done.
    pub(crate) ready: Mutex<Option<(Instant, Usage)>>,
    pub(crate) done: mpsc::UnboundedSender<(String, Outcome)>,
    pub(crate) meter: Meter,
}

pub(crate) type Rt = Arc<Runtime>;

pub(crate) async fn next(State(rt): State<Rt>) -> Response {
    {
        let mut ready = rt.ready.lock().unwrap_or_else(PoisonError::into_inner);
        if ready.is_none() {
            *ready = Some((Instant::now(), rt.meter.snapshot()));
        }
    }
    loop {
        let notified = rt.arrived.notified();
        let popped = rt
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front();
        if let Some((id, body)) = popped {
            rt.started
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(id.clone(), (Instant::now(), rt.meter.snapshot()));
            let deadline = jiff::Timestamp::now().as_millisecond() + 60_000;
            return Response::builder()
                .header("Lambda-Runtime-Aws-Request-Id", id)
                .header("Lambda-Runtime-Deadline-Ms", deadline.to_string())
                .header(
                    "Lambda-Runtime-Invoked-Function-Arn",
                    "arn:aws:lambda:us-east-1:123456789012:function:probe",
                )
                .header(
                    "Lambda-Runtime-Trace-Id",
                    "Root=1-00000000-000000000000000000000000",
                )
                .body(Body::from(body))
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response());
        }
        notified.await;
    }
}

pub(crate) fn finish(rt: &Runtime, id: String, ok: bool, body: Bytes) -> StatusCode {
    let outcome = Outcome {
        ok,
        body: String::from_utf8_lossy(&body).into_owned(),
        at: Instant::now(),
        usage: rt.meter.snapshot(),
    };
    let _ = rt.done.send((id, outcome));
    StatusCode::ACCEPTED
}

pub(crate) async fn response(
    State(rt): State<Rt>,
    Path(id): Path<String>,
    body: Bytes,
) -> StatusCode {
    finish(&rt, id, true, body)
}

pub(crate) async fn error(State(rt): State<Rt>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    finish(&rt, id, false, body)
}

pub(crate) async fn init_error(
    State(rt): State<Rt>,
    _headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    finish(&rt, "init".into(), false, body)
}
