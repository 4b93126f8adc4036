//! The agent console: static files (HTML, CSS, JavaScript modules) compiled into the binary
//! and served under `/console/`, so the Lambda function and the local runner serve the same
//! bytes with no build step.
//!
//! Every response carries a strict Content-Security-Policy: scripts only from this origin,
//! no inline script, no plugins, no framing. The console renders customer text with
//! `textContent`; the policy is the second line of defence against injected markup.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Serialize;

/// The policy every console response carries.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; \
     font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

macro_rules! asset {
    ($name:literal, $ty:expr) => {
        Asset {
            name: $name,
            content_type: $ty,
            body: include_str!(concat!("../console/", $name)),
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";

static ASSETS: &[Asset] = &[
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("style.css", "text/css; charset=utf-8"),
    asset!("app.js", JS),
    asset!("api.js", JS),
    asset!("auth.js", JS),
    asset!("dom.js", JS),
    asset!("i18n.js", JS),
    asset!("inbox.js", JS),
    asset!("conversation.js", JS),
    asset!("dashboard.js", JS),
    asset!("sandbox.js", JS),
    asset!("sla.js", JS),
    asset!("live.js", JS),
    asset!("templates.js", JS),
    asset!("attach.js", JS),
    asset!("notify.js", JS),
    asset!("icon.svg", "image/svg+xml"),
];

/// How agents sign in, told to the console by `GET /console/config.json`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum SignIn {
    /// Local runner: pick a configured agent, no password (`POST /api/v1/auth/dev-login`).
    Dev { agents: Vec<DevAgent> },
    /// Cognito's hosted UI: the console sends the agent there and reads the token it returns.
    Cognito { domain: String, client_id: String },
    /// No identity provider configured: the agent pastes a bearer token.
    Token,
}

#[derive(Debug, Clone, Serialize)]
pub struct DevAgent {
    pub workspace: String,
    pub id: String,
    pub name: String,
    pub role: String,
}

/// What the console needs to know about where it runs.
#[derive(Debug, Clone, Serialize)]
pub struct ConsoleConfig {
    pub sign_in: SignIn,
    /// The local runner's sandbox chat is available (`/sandbox/api/messages`).
    pub sandbox: bool,
}

impl ConsoleConfig {
    /// For the Lambda function: Cognito when `TURNO_COGNITO_DOMAIN` and
    /// `TURNO_COGNITO_CLIENT_ID` are set, else pasting a token.
    pub fn from_env() -> Self {
        let var = |n: &str| std::env::var(n).ok().filter(|v| !v.trim().is_empty());
        let sign_in = match (var("TURNO_COGNITO_DOMAIN"), var("TURNO_COGNITO_CLIENT_ID")) {
            (Some(domain), Some(client_id)) => SignIn::Cognito { domain, client_id },
            _ => SignIn::Token,
        };
        ConsoleConfig {
            sign_in,
            sandbox: false,
        }
    }
}

#[derive(Clone)]
struct ConsoleState {
    config: std::sync::Arc<str>,
}

/// `/console/` and its files, plus `/console/config.json`.
pub fn console_router(config: &ConsoleConfig) -> Router {
    let json = serde_json::to_string(config)
        .unwrap_or_else(|_| r#"{"sign_in":{"mode":"token"},"sandbox":false}"#.into());
    Router::new()
        .route(
            "/console",
            get(|| async { Redirect::permanent("/console/") }),
        )
        .route("/console/", get(index))
        .route("/console/config.json", get(config_json))
        .route("/console/{file}", get(file))
        .with_state(ConsoleState {
            config: json.into(),
        })
}

async fn index(headers: HeaderMap) -> Response {
    serve("index.html", &headers)
}

async fn file(Path(name): Path<String>, headers: HeaderMap) -> Response {
    serve(&name, &headers)
}

async fn config_json(State(s): State<ConsoleState>) -> Response {
    let mut r = (
        [(header::CONTENT_TYPE, "application/json")],
        s.config.to_string(),
    )
        .into_response();
    secure(&mut r, "no-store");
    r
}

fn serve(name: &str, headers: &HeaderMap) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.name == name) else {
        let mut r = (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "no such console file",
        )
            .into_response();
        secure(&mut r, "no-store");
        return r;
    };
    let etag = etag(asset.body);
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut r = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, asset.content_type)], asset.body).into_response()
    };
    if let Ok(v) = HeaderValue::from_str(&etag) {
        r.headers_mut().insert(header::ETAG, v);
    }
    // Revalidate every time: the files change with the binary, and a 304 costs little.
    secure(&mut r, "no-cache");
    r
}

fn secure(r: &mut Response, cache: &'static str) {
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
}

/// A strong validator from the file's bytes (FNV-1a; collisions only cost a stale cache).
fn etag(body: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in body.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("\"{hash:016x}\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{Body, to_bytes};
    use axum::http::Request;
    use tower::ServiceExt;

    fn app() -> Router {
        console_router(&ConsoleConfig {
            sign_in: SignIn::Token,
            sandbox: false,
        })
    }

    async fn get(uri: &str, etag: Option<&str>) -> Response {
        let mut req = Request::get(uri);
        if let Some(t) = etag {
            req = req.header(header::IF_NONE_MATCH, t);
        }
        app()
            .oneshot(req.body(Body::empty()).expect("request"))
            .await
            .expect("infallible")
    }

    #[tokio::test]
    async fn index_is_html_with_a_policy_that_forbids_inline_script() {
        let r = get("/console/", None).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            r.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
        let csp = r.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .expect("ascii");
        assert!(csp.contains("script-src 'self';"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        let body = to_bytes(r.into_body(), 1 << 20).await.expect("body");
        let html = String::from_utf8(body.to_vec()).expect("utf-8");
        assert!(html.contains(r#"<script type="module" src="app.js">"#));
        assert!(
            !html.contains("<script>"),
            "the console must not carry inline script"
        );
    }

    #[tokio::test]
    async fn scripts_are_served_as_javascript_and_revalidate_with_their_etag() {
        let r = get("/console/app.js", None).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()[header::CONTENT_TYPE], JS);
        assert_eq!(r.headers()[header::CACHE_CONTROL], "no-cache");
        let tag = r.headers()[header::ETAG]
            .to_str()
            .expect("ascii")
            .to_owned();

        let again = get("/console/app.js", Some(&tag)).await;

        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    }

    #[tokio::test]
    async fn every_listed_asset_is_served_and_unknown_files_are_404() {
        for a in ASSETS {
            let r = get(&format!("/console/{}", a.name), None).await;
            assert_eq!(r.status(), StatusCode::OK, "{}", a.name);
        }
        assert_eq!(
            get("/console/../Cargo.toml", None).await.status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            get("/console/secret.js", None).await.status(),
            StatusCode::NOT_FOUND
        );
    }

    #[tokio::test]
    async fn config_tells_the_sign_in_mode_and_is_never_cached() {
        let r = get("/console/config.json", None).await;
        assert_eq!(r.headers()[header::CACHE_CONTROL], "no-store");
        let body = to_bytes(r.into_body(), 1 << 20).await.expect("body");
        let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(v["sign_in"]["mode"], "token");
        assert_eq!(v["sandbox"], false);
    }
}
