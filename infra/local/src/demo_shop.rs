//! A pretend shop API for the built-in demo: a handful of fixed orders served by the runner
//! itself, so the demo's order-status flow gets a live answer on a laptop. The demo
//! configuration's action URL names `{runner_address}`, which the runner fills in with its
//! own address at start-up (see [`RUNNER_ADDRESS`]). Not a product feature: a deployment
//! points the action at the business's real API.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use turno_core::kernel::lang::Lang;

#[derive(Debug, Deserialize)]
struct LangQuery {
    #[serde(default)]
    lang: Option<String>,
}

/// The placeholder in an action URL that the local runner replaces with its own `host:port`.
pub const RUNNER_ADDRESS: &str = "{runner_address}";
/// The environment variable the demo's action reads its bearer token from.
pub const TOKEN_ENV: &str = "LUMEN_API_TOKEN";
/// The token the demo shop expects (and the runner sends) when [`TOKEN_ENV`] is not set.
pub const DEMO_TOKEN: &str = "lumen-demo-token";

/// A demo order: its number, and its status and expected delivery in Spanish, English and
/// Portuguese (the [`Lang::ALL`] order).
#[derive(Debug, Clone, Copy)]
pub struct DemoOrder {
    pub number: &'static str,
    pub status: [&'static str; 3],
    pub eta: [&'static str; 3],
}

impl DemoOrder {
    pub fn status(&self, lang: Lang) -> &'static str {
        self.status[lang.index()]
    }

    pub fn eta(&self, lang: Lang) -> &'static str {
        self.eta[lang.index()]
    }
}

/// The demo orders.
pub const ORDERS: &[DemoOrder] = &[
    DemoOrder {
        number: "123456",
        status: ["en reparto", "out for delivery", "saiu para entrega"],
        eta: [
            "hoy antes de las 20 h",
            "today before 8pm",
            "hoje até as 20h",
        ],
    },
    DemoOrder {
        number: "234567",
        status: ["en preparación", "being prepared", "em preparação"],
        eta: ["el jueves", "on Thursday", "na quinta-feira"],
    },
    DemoOrder {
        number: "345678",
        status: ["enviado", "shipped", "enviado"],
        eta: [
            "mañana antes de las 14 h",
            "tomorrow before 2pm",
            "amanhã até as 14h",
        ],
    },
    DemoOrder {
        number: "456789",
        status: [
            "retrasado por el transportista",
            "delayed by the carrier",
            "atrasado pela transportadora",
        ],
        eta: ["el lunes", "on Monday", "na segunda-feira"],
    },
];

/// The token the shop expects: [`TOKEN_ENV`] when set, [`DEMO_TOKEN`] otherwise.
pub fn token_from(env: impl Fn(&str) -> Option<String>) -> String {
    env(TOKEN_ENV).unwrap_or_else(|| DEMO_TOKEN.to_owned())
}

/// `GET /demo/shop/orders/{number}?lang=es|en|pt`, answering only requests with
/// `Authorization: Bearer <token>`; the status and delivery are in `lang` (Spanish without
/// it, or for a language the shop does not have).
pub fn router(token: String) -> Router {
    Router::new()
        .route("/demo/shop/orders/{number}", get(order))
        .with_state(Arc::new(token))
}

async fn order(
    State(token): State<Arc<String>>,
    headers: HeaderMap,
    Path(number): Path<String>,
    Query(query): Query<LangQuery>,
) -> Response {
    let lang = query
        .lang
        .as_deref()
        .and_then(Lang::from_code)
        .unwrap_or_default();
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
    match ORDERS.iter().find(|o| o.number == number) {
        Some(o) => Json(json!({
            "number": o.number,
            "status": o.status(lang),
            "delivery": { "eta": o.eta(lang) },
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
