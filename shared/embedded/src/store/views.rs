//! The console's ticket views and status counters on SQLite: each source of a view is one
//! range read of an index of migration 005, `LIMIT`ed, keyset-paged by `(updated_at, id)`.

use rusqlite::types::Value;
use rusqlite::{Connection, params, params_from_iter};
use turno_core::desk::ticket::Ticket;
use turno_core::kernel::ids::{TeamId, WorkspaceId};
use turno_core::ports::{
    ALL_STATUSES, AssigneeKey, CreatedCursor, CreatedRange, StatusCounts, StatusScope,
    TicketCursor, TicketQuery, TicketSource, merge_pages,
};

use super::tickets::query_tickets;
use crate::db::DbError;
use crate::time::nanos;

/// One source's tickets after the cursor, newest first, at most `take`.
fn source_page(
    conn: &Connection,
    ws: &WorkspaceId,
    query: &TicketQuery,
    source: &TicketSource,
    after: Option<&TicketCursor>,
    take: u32,
) -> Result<Vec<Ticket>, DbError> {
    let mut sql = String::from("SELECT version, body FROM tickets WHERE workspace = ?");
    let mut args: Vec<Value> = vec![Value::Text(ws.to_string())];
    match query.status {
        StatusScope::All => {}
        StatusScope::Group(g) => {
            sql.push_str(" AND grp = ?");
            args.push(Value::Text(g.as_str().to_owned()));
        }
        StatusScope::Only(s) => {
            sql.push_str(" AND status = ?");
            args.push(Value::Text(s.as_str().to_owned()));
        }
    }
    if let Some(team) = &source.team {
        sql.push_str(" AND team = ?");
        args.push(Value::Text(team.to_string()));
    }
    match &source.assignee {
        Some(AssigneeKey::Agent(a)) => {
            sql.push_str(" AND assignee = ?");
            args.push(Value::Text(a.to_string()));
        }
        Some(AssigneeKey::Nobody) => sql.push_str(" AND assignee IS NULL"),
        None => {}
    }
    if let Some(customer) = &query.customer {
        sql.push_str(" AND customer = ?");
        args.push(Value::Text(customer.to_string()));
    }
    if let Some(prefix) = &query.name_prefix {
        // Every name starting with `prefix` sorts between it and it followed by the last
        // code point.
        sql.push_str(" AND name_key >= ? AND name_key < ?");
        args.push(Value::Text(prefix.clone()));
        args.push(Value::Text(format!("{prefix}\u{10FFFF}")));
    }
    if let Some(c) = after {
        sql.push_str(" AND (updated_at, id) < (?, ?)");
        args.push(Value::Integer(nanos(c.updated_at)));
        args.push(Value::Text(c.id.to_string()));
    }
    sql.push_str(" ORDER BY updated_at DESC, id DESC LIMIT ?");
    args.push(Value::Integer(i64::from(take)));
    query_tickets(conn, &sql, params_from_iter(args))
}

pub(super) fn ticket_page(
    conn: &Connection,
    ws: &WorkspaceId,
    query: &TicketQuery,
    after: Option<&TicketCursor>,
    limit: u32,
) -> Result<(Vec<Ticket>, Option<TicketCursor>), DbError> {
    let take = limit.saturating_add(1);
    let mut pages = Vec::with_capacity(query.sources.len());
    for source in &query.sources {
        pages.push(source_page(conn, ws, query, source, after, take)?);
    }
    Ok(merge_pages(pages, limit as usize))
}

pub(super) fn ticket_counts(
    conn: &Connection,
    ws: &WorkspaceId,
    team: Option<&TeamId>,
) -> Result<StatusCounts, DbError> {
    let mut counts: StatusCounts = ALL_STATUSES.iter().map(|s| (*s, 0)).collect();
    let mut stmt = conn.prepare_cached(
        "SELECT status, SUM(n) FROM ticket_counts
         WHERE workspace = ?1 AND (?2 IS NULL OR team = ?2) GROUP BY status",
    )?;
    let rows = stmt.query_map(params![ws.as_str(), team.map(TeamId::as_str)], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })?;
    for row in rows {
        let (status, n) = row?;
        if let Some(s) = ALL_STATUSES.iter().find(|s| s.as_str() == status) {
            counts.insert(*s, u64::try_from(n).unwrap_or(0));
        }
    }
    Ok(counts)
}

/// The tickets created in the range after the cursor, oldest first: one range read of
/// `tickets_by_created` (or, for a team, `tickets_by_team_created`), `limit + 1` rows.
pub(super) fn tickets_created(
    conn: &Connection,
    ws: &WorkspaceId,
    range: &CreatedRange,
    after: Option<&CreatedCursor>,
    limit: u32,
) -> Result<(Vec<Ticket>, Option<CreatedCursor>), DbError> {
    let mut sql = String::from(
        "SELECT version, body FROM tickets WHERE workspace = ? AND created_ms >= ? AND created_ms < ?",
    );
    let mut args: Vec<Value> = vec![
        Value::Text(ws.to_string()),
        Value::Integer(range.from.as_millisecond()),
        Value::Integer(range.to.as_millisecond()),
    ];
    if let Some(team) = &range.team {
        sql.push_str(" AND team = ?");
        args.push(Value::Text(team.to_string()));
    }
    if let Some(c) = after {
        sql.push_str(" AND (created_ms, id) > (?, ?)");
        args.push(Value::Integer(c.created_ms));
        args.push(Value::Text(c.id.to_string()));
    }
    sql.push_str(" ORDER BY created_ms, id LIMIT ?");
    args.push(Value::Integer(i64::from(limit) + 1));
    let mut tickets = query_tickets(conn, &sql, params_from_iter(args))?;
    let more = tickets.len() > limit as usize;
    tickets.truncate(limit as usize);
    let next = more
        .then(|| tickets.last().map(CreatedCursor::of))
        .flatten();
    Ok((tickets, next))
}
