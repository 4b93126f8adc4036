//! The conversation export: `GET /api/v1/reports/conversations` (JSON pages) and
//! `GET /api/v1/reports/export.csv` (the whole range as one streamed CSV body, read from the
//! store a page at a time while it is written, so memory stays flat at any range size).

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use jiff::civil::Date;
use serde::Deserialize;
use tracing::warn;
use turno_core::app::{Actor, ExportParams, Turno, csv_header, push_row};
use turno_core::kernel::ids::TeamId;

use crate::api::{ApiState, QueryParams};
use crate::auth::Caller;
use crate::error::ApiError;

/// Rows the CSV reads per store page.
const CSV_PAGE: u32 = 500;

pub(crate) fn routes() -> Router<ApiState> {
    Router::new()
        .route("/reports/conversations", get(conversations))
        .route("/reports/export.csv", get(export_csv))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PageQuery {
    from: Option<String>,
    to: Option<String>,
    team: Option<String>,
    cursor: Option<String>,
    limit: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CsvQuery {
    from: Option<String>,
    to: Option<String>,
    team: Option<String>,
}

fn date(what: &str, v: Option<String>) -> Result<Date, ApiError> {
    let v = v
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::bad_request(format!("{what} is required (YYYY-MM-DD)")))?;
    v.parse::<Date>().map_err(|e| {
        ApiError::bad_request(format!("{what}: {v:?} is not a date (YYYY-MM-DD): {e}"))
    })
}

fn params(
    from: Option<String>,
    to: Option<String>,
    team: Option<String>,
) -> Result<ExportParams, ApiError> {
    Ok(ExportParams {
        from: date("from", from)?,
        to: date("to", to)?,
        team: team
            .filter(|t| !t.is_empty())
            .map(TeamId::parse)
            .transpose()
            .map_err(|e| ApiError::bad_request(format!("team: {e}")))?,
        cursor: None,
        limit: None,
    })
}

async fn conversations(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    QueryParams(q): QueryParams<PageQuery>,
) -> Result<Response, ApiError> {
    let mut p = params(q.from, q.to, q.team)?;
    p.cursor = q.cursor.filter(|c| !c.is_empty());
    p.limit = q.limit;
    Ok(Json(s.turno.conversation_page(&actor, p).await?).into_response())
}

/// Where the CSV stream stands: the next page to read, or done.
struct CsvState {
    turno: Turno,
    actor: Actor,
    params: ExportParams,
    /// The page read to check the request, written first.
    first: Option<Bytes>,
    done: bool,
}

async fn export_csv(
    State(s): State<ApiState>,
    Caller(actor): Caller,
    QueryParams(q): QueryParams<CsvQuery>,
) -> Result<Response, ApiError> {
    let mut params = params(q.from, q.to, q.team)?;
    params.limit = Some(CSV_PAGE);
    // The first page is read before answering, so a refusal (403, 422) is a proper response
    // and not a broken stream.
    let page = s.turno.conversation_page(&actor, params.clone()).await?;
    let mut first = csv_header();
    for row in &page.rows {
        push_row(&mut first, row);
    }
    let filename = format!("turno-conversations-{}-{}.csv", params.from, params.to);
    params.cursor = page.next_cursor.clone();
    let state = CsvState {
        turno: s.turno.clone(),
        actor,
        done: page.next_cursor.is_none(),
        params,
        first: Some(Bytes::from(first)),
    };
    let stream = futures::stream::unfold(state, |mut st| async move {
        if let Some(first) = st.first.take() {
            return Some((Ok(first), st));
        }
        if st.done {
            return None;
        }
        match st
            .turno
            .conversation_page(&st.actor, st.params.clone())
            .await
        {
            Ok(page) => {
                let mut out = String::with_capacity(page.rows.len() * 256);
                for row in &page.rows {
                    push_row(&mut out, row);
                }
                st.done = page.next_cursor.is_none();
                st.params.cursor = page.next_cursor;
                Some((Ok(Bytes::from(out)), st))
            }
            Err(e) => {
                // The status line is sent: ending the body with an error tells the client
                // the file is incomplete.
                warn!(error = %e, "the conversation export stopped mid-way");
                st.done = true;
                Some((Err(std::io::Error::other(e.to_string())), st))
            }
        }
    });
    let mut response = Body::from_stream(stream).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}
