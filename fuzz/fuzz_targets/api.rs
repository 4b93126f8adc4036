//! The agent API's request decoding: method, path, query string, headers and JSON body of
//! every route, through the real router on a real (embedded) Turno. Any panic or 5xx is a
//! crash: a malformed request must be answered 4xx.
//!
//! Input, so seeds can be written by hand: a first line `ROLE METHOD TARGET [CONTENT-TYPE]`
//! and the body after it. ROLE picks the bearer token (`agent`, `supervisor`, `admin`, or
//! anything else for none); TARGET is the path and query, used as given.

#![no_main]

use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use jiff::Timestamp;
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;
use turno_core::desk::agent::Role;
use turno_core::kernel::ids::{AgentId, TicketId, WaId, WorkspaceId};
use turno_http::{ApiState, Auth, api_router};
use turno_testkit::harness::{DEMO_WORKSPACE, TestTurno};

/// The ticket the seeds name, so the fuzzer reaches past the "not found" answers.
const TICKET: &str = "Tfuzz0001";

struct World {
    rt: tokio::runtime::Runtime,
    router: Router,
    tokens: [(&'static str, String); 3],
    // Keeps the temporary database alive.
    _turno: TestTurno,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let turno = rt.block_on(async {
            let t = TestTurno::demo(Timestamp::UNIX_EPOCH).await;
            let ws = WorkspaceId::parse(DEMO_WORKSPACE).expect("demo workspace id");
            let ticket = TicketId::parse(TICKET).expect("ticket id");
            let customer = WaId::parse("5215512345678").expect("customer id");
            t.seed_bot_ticket(&ws, &ticket, &customer).await;
            t
        });
        let auth = Auth::hs256(&[7; 32]).expect("a 32-byte secret");
        let ws = WorkspaceId::parse(DEMO_WORKSPACE).expect("demo workspace id");
        let token = |id: &str, role| {
            let id = AgentId::parse(id).expect("agent id");
            auth.issue(&ws, &id, role, 3600).expect("a token")
        };
        let tokens = [
            ("agent", token("ana", Role::Agent)),
            ("supervisor", token("bruno", Role::Supervisor)),
            ("admin", token("diego", Role::Admin)),
        ];
        let router = api_router(ApiState {
            turno: turno.turno.clone(),
            auth: std::sync::Arc::new(auth),
            dev_login: false,
        });
        World {
            rt,
            router,
            tokens,
            _turno: turno,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let w = world();
    let (head, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let Ok(head) = std::str::from_utf8(head) else {
        return;
    };
    let mut words = head.split(' ');
    let (role, method, target) = (words.next(), words.next(), words.next());
    let (Some(role), Some(method), Some(target)) = (role, method, target) else {
        return;
    };
    let mut request = Request::builder().method(method).uri(target);
    if let Some((_, token)) = w.tokens.iter().find(|(r, _)| *r == role) {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let content_type = words.next().unwrap_or("application/json");
    request = request.header(header::CONTENT_TYPE, content_type);
    // What http refuses to build (a bad method or URI) never reaches the server: hyper
    // answers it 400 before routing.
    let Ok(request) = request.body(Body::from(body.to_vec())) else {
        return;
    };
    let response =
        w.rt.block_on(w.router.clone().oneshot(request))
            .expect("the router is infallible");
    let status = response.status();
    assert!(
        !status.is_server_error(),
        "{method} {target} as {role} answered {status}"
    );
});
