//! A fake Graph API for load runs: it answers every send at once with a fresh outbound message
//! id, notes when each customer's replies arrived, and keeps the handed-out ids so that the
//! sustained run can report their delivery statuses back.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{Value, json};

/// What the fake has received so far.
#[derive(Default)]
pub struct Received {
    /// Per customer, when each reply arrived, in order.
    pub at: HashMap<String, Vec<Instant>>,
    /// Replies (read receipts aside).
    pub total: usize,
    /// Read receipts for customer messages.
    pub read_receipts: usize,
    /// Outbound messages whose statuses are still to report: the number in their id, the
    /// customer's number, statuses sent. Numbers, not strings: a run's backlog of these takes
    /// no allocation per message.
    pub pending_statuses: VecDeque<(u64, u64, u8)>,
}

impl Received {
    /// About how many bytes these records take on the heap (their buffers' capacities), so
    /// that a run can tell the load generator's own growth from the runner's.
    pub fn bytes(&self) -> usize {
        use std::mem::size_of;
        let per_customer = self.at.capacity() * (size_of::<(String, Vec<Instant>)>() + 1)
            + self
                .at
                .iter()
                .map(|(k, v)| k.capacity() + v.capacity() * size_of::<Instant>())
                .sum::<usize>();
        per_customer + self.pending_statuses.capacity() * size_of::<(u64, u64, u8)>()
    }
}

/// The fake, shared between its handler and the run.
#[derive(Clone, Default)]
pub struct FakeGraph {
    inner: Arc<Mutex<Received>>,
    keep_ids: bool,
}

impl FakeGraph {
    /// Serves the fake on a free local port and returns it with its base URL. With
    /// `keep_ids`, every handed-out id waits in [`Received::pending_statuses`].
    pub async fn start(keep_ids: bool) -> anyhow::Result<(Self, String)> {
        let fake = FakeGraph {
            inner: Arc::default(),
            keep_ids,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let app = Router::new()
            .route("/{phone}/messages", post(send))
            .with_state(fake.clone());
        tokio::spawn(turno_http::serve(
            listener,
            app,
            turno_http::serve::IDLE_TIMEOUT,
            std::future::pending(),
        ));
        Ok((fake, url))
    }

    /// Runs `f` on what the fake has received.
    pub fn with<T>(&self, f: impl FnOnce(&mut Received) -> T) -> T {
        f(&mut self.inner.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Makes room, before a run, for `replies_each` replies to each of `customers` and for
    /// `pending` outbound messages awaiting their statuses, and writes to all of it once: the
    /// load generator's own records then take their memory before the run, and a run's
    /// memory over time is the runner's.
    pub fn make_room(
        &self,
        customers: impl IntoIterator<Item = String>,
        replies_each: usize,
        pending: usize,
    ) {
        let now = Instant::now();
        self.with(|r| {
            for c in customers {
                super::stats::reserve_resident(r.at.entry(c).or_default(), replies_each, now);
            }
            let queue = &mut r.pending_statuses;
            let len = queue.len();
            queue.reserve(pending);
            queue.resize(len + pending, (0, 0, 0));
            queue.truncate(len);
        });
    }

    /// Replies received so far.
    pub fn total(&self) -> usize {
        self.with(|r| r.total)
    }

    /// The next status to report: the oldest pending outbound message's next state.
    pub fn next_status(&self) -> Option<(String, String, &'static str)> {
        const STATES: [&str; 3] = ["sent", "delivered", "read"];
        self.with(|r| {
            let (id, to, done) = r.pending_statuses.pop_front()?;
            let state = STATES.get(done as usize).copied()?;
            if (done as usize) + 1 < STATES.len() {
                r.pending_statuses.push_back((id, to, done + 1));
            }
            Some((outbound_id(id), to.to_string(), state))
        })
    }
}

/// The id the fake hands out for its `n`th reply.
fn outbound_id(n: u64) -> String {
    format!("wamid.load.out.{n}")
}

async fn send(State(fake): State<FakeGraph>, Json(body): Json<Value>) -> Json<Value> {
    let now = Instant::now();
    let to = body["to"].as_str().unwrap_or_default().to_owned();
    let id = fake.with(|r| {
        if body["status"] == "read" {
            r.read_receipts += 1;
            return None;
        }
        r.total += 1;
        let n = r.total as u64;
        r.at.entry(to.clone()).or_default().push(now);
        // A load run's customers are numbers; anyone else gets no statuses.
        if fake.keep_ids
            && let Ok(customer) = to.parse::<u64>()
        {
            r.pending_statuses.push_back((n, customer, 0));
        }
        Some(outbound_id(n))
    });
    match id {
        Some(id) => Json(json!({
            "messaging_product": "whatsapp",
            "contacts": [{ "input": to, "wa_id": to }],
            "messages": [{ "id": id }]
        })),
        None => Json(json!({ "success": true })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hands_out_ids_and_reports_each_status_once_in_order() {
        let (fake, url) = FakeGraph::start(true).await.unwrap();
        let http = reqwest::Client::new();
        let send = |body: Value| http.post(format!("{url}/1/messages")).json(&body).send();
        let r: Value = send(json!({ "to": "5511", "type": "text" }))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(r["messages"][0]["id"], "wamid.load.out.1");
        send(json!({ "status": "read", "message_id": "wamid.in.1" }))
            .await
            .unwrap();
        send(json!({ "to": "5522", "type": "text" })).await.unwrap();
        assert_eq!(fake.total(), 2);
        assert_eq!(fake.with(|r| r.read_receipts), 1);
        let mut statuses = Vec::new();
        while let Some((id, to, state)) = fake.next_status() {
            statuses.push(format!("{id} {to} {state}"));
        }
        assert_eq!(
            statuses,
            [
                "wamid.load.out.1 5511 sent",
                "wamid.load.out.2 5522 sent",
                "wamid.load.out.1 5511 delivered",
                "wamid.load.out.2 5522 delivered",
                "wamid.load.out.1 5511 read",
                "wamid.load.out.2 5522 read",
            ]
        );
    }
}
