//! A pretend shop API for the built-in demo: a handful of fixed orders served by the runner
//! itself, so the demo's order-status flow gets a live answer on a laptop. The demo
//! configuration's action URL names `{runner_address}`, which the runner fills in with its
//! own address at start-up (see [`RUNNER_ADDRESS`]). Not a product feature: a deployment
//! points the action at the business's real API.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

/// The placeholder in an action URL that the local runner replaces with its own `host:port`.
pub const RUNNER_ADDRESS: &str = "{runner_address}";
/// The environment variable the demo's action reads its bearer token from.
pub const TOKEN_ENV: &str = "LUMEN_API_TOKEN";
/// The token the demo shop expects (and the runner sends) when [`TOKEN_ENV`] is not set.
pub const DEMO_TOKEN: &str = "lumen-demo-token";

/// The demo orders: number, status, expected delivery.
pub const ORDERS: &[(&str, &str, &str)] = &[
    ("123456", "en reparto", "hoy antes de las 20 h"),
    ("234567", "en preparación", "el jueves"),
    ("345678", "enviado", "mañana antes de las 14 h"),
    ("456789", "retrasado por el transportista", "el lunes"),
];

/// The token the shop expects: [`TOKEN_ENV`] when set, [`DEMO_TOKEN`] otherwise.
pub fn token_from(env: impl Fn(&str) -> Option<String>) -> String {
    env(TOKEN_ENV).unwrap_or_else(|| DEMO_TOKEN.to_owned())
}

/// `GET /demo/shop/orders/{number}`, answering only requests with `Authorization: Bearer <token>`.
pub fn router(token: String) -> Router {
    Router::new()
        .route("/demo/shop/orders/{number}", get(order))
        .with_state(Arc::new(token))
}

async fn order(
    State(token): State<Arc<String>>,
    headers: HeaderMap,
    Path(number): Path<String>,
) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if bearer != Some(token.as_str()) {
        return error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send Authorization: Bearer <token>, the value of LUMEN_API_TOKEN (lumen-demo-token when it is not set)",
        );
    }
    match ORDERS.iter().find(|(n, _, _)| *n == number) {
        Some((number, status, eta)) => Json(json!({
            "number": number,
            "status": status,
            "delivery": { "eta": eta },
        }))
        .into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            "order_not_found",
            "no demo order has that number; the demo orders are listed in the README",
        ),
    }
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({ "error": { "code": code, "message": message } })),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_the_environment_s_or_the_demo_one() {
        assert_eq!(token_from(|_| None), DEMO_TOKEN);
        assert_eq!(
            token_from(|n| (n == TOKEN_ENV).then(|| "mine".to_owned())),
            "mine"
        );
    }
}
