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
    /// `Cache-Control`: the console's own files revalidate every time (they change with the
    /// binary); a vendored library carries its version in its name and never changes.
    cache: &'static str,
}

macro_rules! asset {
    ($name:literal, $ty:expr) => {
        Asset {
            name: $name,
            content_type: $ty,
            body: include_str!(concat!("../console/", $name)),
            cache: "no-cache",
        }
    };
}

/// A third-party file kept as published, its version in its name: cached for a year.
macro_rules! vendored {
    ($name:literal, $ty:expr) => {
        Asset {
            name: $name,
            content_type: $ty,
            body: include_str!(concat!("../console/", $name)),
            cache: IMMUTABLE,
        }
    };
}

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

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
    asset!("actions.js", JS),
    asset!("handoff.js", JS),
    asset!("i18n-actions.js", JS),
    asset!("templates.js", JS),
    asset!("attach.js", JS),
    asset!("notify.js", JS),
    asset!("push.js", JS),
    // The service worker: served from /console/ so its scope is the console.
    asset!("sw.js", JS),
    asset!("icon.svg", "image/svg+xml"),
    asset!("reports.js", JS),
    asset!("reports_charts.js", JS),
    asset!("admin.js", JS),
    asset!("i18n-admin.js", JS),
    asset!("admin-ui.js", JS),
    asset!("admin-bot.js", JS),
    asset!("admin-routing.js", JS),
    asset!("admin-templates.js", JS),
    asset!("dialog.js", JS),
    asset!("customer-data.js", JS),
    // Chart.js (MIT), its UMD build as published on npm, loaded by the Reports page.
    vendored!("chart-4.6.1.umd.min.js", JS),
    vendored!("chart-4.6.1.LICENSE.md", "text/plain; charset=utf-8"),
];

/// How agents sign in, told to the console by `GET /console/config.json`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum SignIn {
    /// Local runner: pick a configured agent, no password (`POST /api/v1/auth/dev-login`).
    Dev { agents: Vec<DevAgent> },
    /// An OAuth 2.0 authorization server (Cognito's hosted pages at `auth_url`, e.g.
    /// `https://turno-acme.auth.eu-west-1.amazoncognito.com`): the console signs in with the
    /// authorization-code flow and PKCE, and refreshes and revokes through its endpoints.
    Cognito { auth_url: String, client_id: String },
    /// No identity provider configured: the agent pastes a bearer token.
    Token,
}

impl SignIn {
    /// Sign-in at an authorization server; its address must be `https` (plain `http` only on
    /// the loopback interface, for a stand-in server in tests).
    pub fn cognito(auth_url: &str, client_id: &str) -> anyhow::Result<Self> {
        let url = auth_url.trim().trim_end_matches('/');
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://127.0.0.1"))
            .or_else(|| url.strip_prefix("http://localhost"));
        anyhow::ensure!(
            rest.is_some_and(|r| !r.is_empty() && !r.contains(['?', '#', ' ', '"'])),
            "TURNO_COGNITO_AUTH_URL must be the https address of the user pool's domain, e.g. \
             https://turno-acme.auth.eu-west-1.amazoncognito.com (got {url:?})"
        );
        anyhow::ensure!(
            !client_id.trim().is_empty() && client_id.chars().all(|c| c.is_ascii_alphanumeric()),
            "TURNO_COGNITO_CLIENT_ID must be the app client's id (letters and digits)"
        );
        Ok(SignIn::Cognito {
            auth_url: url.to_owned(),
            client_id: client_id.trim().to_owned(),
        })
    }
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
    /// For the Lambda function: Cognito when `TURNO_COGNITO_AUTH_URL` and
    /// `TURNO_COGNITO_CLIENT_ID` are set, else pasting a token.
    pub fn from_env() -> anyhow::Result<Self> {
        let var = |n: &str| std::env::var(n).ok().filter(|v| !v.trim().is_empty());
        let sign_in = match (
            var("TURNO_COGNITO_AUTH_URL"),
            var("TURNO_COGNITO_CLIENT_ID"),
        ) {
            (Some(auth_url), Some(client_id)) => SignIn::cognito(&auth_url, &client_id)?,
            _ => SignIn::Token,
        };
        Ok(ConsoleConfig {
            sign_in,
            sandbox: false,
        })
    }
}

/// Only `/console/config.json`: where the console's files are served from elsewhere (on AWS,
/// S3 behind CloudFront, which sends this one path to the API).
pub fn console_config_router(config: &ConsoleConfig) -> Router {
    Router::new()
        .route("/console/config.json", get(config_json))
        .with_state(ConsoleState::of(config))
}

/// The names of the console's files, for checks that what is published elsewhere is what
/// the binary serves.
pub fn console_file_names() -> impl Iterator<Item = &'static str> {
    ASSETS.iter().map(|a| a.name)
}

#[derive(Clone)]
struct ConsoleState {
    config: std::sync::Arc<str>,
}

/// `/console/` and its files, plus `/console/config.json`.
pub fn console_router(config: &ConsoleConfig) -> Router {
    Router::new()
        .route(
            "/console",
            get(|| async { Redirect::permanent("/console/") }),
        )
        .route("/console/", get(index))
        .route("/console/config.json", get(config_json))
        .route("/console/{file}", get(file))
        .with_state(ConsoleState::of(config))
}

impl ConsoleState {
    fn of(config: &ConsoleConfig) -> Self {
        let json = serde_json::to_string(config)
            .unwrap_or_else(|_| r#"{"sign_in":{"mode":"token"},"sandbox":false}"#.into());
        ConsoleState {
            config: json.into(),
        }
    }
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
    // The console's own files revalidate every time: they change with the binary, and a 304
    // costs little.
    secure(&mut r, asset.cache);
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
    async fn the_vendored_chart_library_is_javascript_cached_for_a_year_with_its_licence() {
        let r = get("/console/chart-4.6.1.umd.min.js", None).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()[header::CONTENT_TYPE], JS);
        assert_eq!(r.headers()[header::CACHE_CONTROL], IMMUTABLE);
        let body = to_bytes(r.into_body(), 1 << 20).await.expect("body");
        assert!(body.starts_with(b"/*!\n * Chart.js v4.6.1"));

        let licence = get("/console/chart-4.6.1.LICENSE.md", None).await;
        assert_eq!(licence.status(), StatusCode::OK);
        assert_eq!(
            licence.headers()[header::CONTENT_TYPE],
            "text/plain; charset=utf-8"
        );
        let text = to_bytes(licence.into_body(), 1 << 20).await.expect("body");
        assert!(String::from_utf8_lossy(&text).contains("The MIT License"));
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

    #[test]
    fn every_file_in_the_console_folder_is_served_and_nothing_else() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/console");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .expect("console folder")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let mut served: Vec<String> = console_file_names().map(str::to_owned).collect();
        served.sort();
        assert_eq!(
            on_disk, served,
            "the console folder is published as is to S3"
        );
    }

    #[test]
    fn cognito_sign_in_needs_an_https_address_and_a_client_id() {
        let ok = SignIn::cognito(
            "https://turno-acme.auth.eu-west-1.amazoncognito.com/",
            "abc123",
        )
        .expect("valid");
        let v = serde_json::to_value(&ok).expect("json");
        assert_eq!(v["mode"], "cognito");
        assert_eq!(
            v["auth_url"],
            "https://turno-acme.auth.eu-west-1.amazoncognito.com"
        );
        assert!(SignIn::cognito("http://127.0.0.1:9000", "abc123").is_ok());
        for bad in [
            "http://turno.example.com",
            "turno-acme.auth.eu-west-1.amazoncognito.com",
            "https://",
            "https://x.example.com/?a=b",
        ] {
            let e = SignIn::cognito(bad, "abc123").expect_err(bad).to_string();
            assert!(e.contains("TURNO_COGNITO_AUTH_URL"), "{e}");
        }
        assert!(SignIn::cognito("https://x.example.com", "").is_err());
        assert!(SignIn::cognito("https://x.example.com", "a b").is_err());
    }

    #[tokio::test]
    async fn the_config_router_serves_only_the_config() {
        let app = console_config_router(&ConsoleConfig {
            sign_in: SignIn::cognito("https://x.example.com", "abc123").expect("valid"),
            sandbox: false,
        });
        let r = app
            .clone()
            .oneshot(
                Request::get("/console/config.json")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("infallible");
        assert_eq!(r.status(), StatusCode::OK);
        let body = to_bytes(r.into_body(), 1 << 20).await.expect("body");
        let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(v["sign_in"]["client_id"], "abc123");
        let r = app
            .oneshot(
                Request::get("/console/app.js")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("infallible");
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
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
