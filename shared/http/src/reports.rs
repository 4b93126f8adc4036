//! `GET /api/v1/reports`: figures over a range of local days, by day or ISO week, from the
//! rollups (supervisors and admins).

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use serde::Deserialize;
use turno_core::app::{Granularity, ReportQuery};
use turno_core::kernel::ids::{AgentId, TeamId};

use crate::api::{ApiState, QueryParams};
use crate::auth::Caller;
use crate::error::ApiError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReportParams {
    from: Option<String>,
    to: Option<String>,
    granularity: Option<String>,
    team: Option<String>,
    agent: Option<String>,
    channel: Option<String>,
}

fn date(what: &str, v: Option<String>) -> Result<Date, ApiError> {
    let v = v
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::bad_request(format!("{what} is required (YYYY-MM-DD)")))?;
    // Exactly YYYY-MM-DD: jiff also reads longer forms.
    if v.len() != 10 {
        return Err(ApiError::bad_request(format!(
            "{what}: expected YYYY-MM-DD"
        )));
    }
    v.parse::<Date>()
        .map_err(|_| ApiError::bad_request(format!("{what}: expected YYYY-MM-DD, a real date")))
}

fn present(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty())
}

pub(crate) async fn report(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    QueryParams(p): QueryParams<ReportParams>,
) -> Result<Response, ApiError> {
    let granularity = match present(p.granularity).as_deref() {
        None | Some("day") => Granularity::Day,
        Some("week") => Granularity::Week,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "granularity: {other:?} is neither day nor week"
            )));
        }
    };
    let bad = |e: turno_core::kernel::ids::InvalidId| ApiError::bad_request(e.to_string());
    let query = ReportQuery {
        from: date("from", p.from)?,
        to: date("to", p.to)?,
        granularity,
        team: present(p.team)
            .map(TeamId::parse)
            .transpose()
            .map_err(bad)?,
        agent: present(p.agent)
            .map(AgentId::parse)
            .transpose()
            .map_err(bad)?,
        channel: present(p.channel),
    };
    Ok(Json(s.turno.report(&actor, query).await?).into_response())
}
