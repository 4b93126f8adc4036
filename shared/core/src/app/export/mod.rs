//! The conversation export: one row per ticket created in a range of local dates (the
//! workspace's time zone), as JSON pages or CSV, read page by page through the stores'
//! creation index, so a range of any size never sits in memory.

mod csv;
mod row;

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;

pub use csv::{CSV_COLUMNS, csv_header, push_row};
pub use row::{ConversationRow, SlaResult};

use super::{Actor, AppError, Turno};
use crate::app::customers::CustomerProfile;
use crate::desk::agent::Role;
use crate::kernel::ids::{TeamId, WaId};
use crate::ports::records::RecordKind;
use crate::ports::{CreatedCursor, CreatedRange};

/// The longest range one export covers, in days (from and to included).
pub const MAX_RANGE_DAYS: i64 = 366;
pub const DEFAULT_PAGE: u32 = 100;
pub const MAX_PAGE: u32 = 500;

/// What to export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportParams {
    /// First local date, included.
    pub from: Date,
    /// Last local date, included.
    pub to: Date,
    pub team: Option<TeamId>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConversationPage {
    pub rows: Vec<ConversationRow>,
    /// Pass as `cursor` for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// The instants `[from 00:00, the day after to 00:00)` in `tz`, checked.
pub fn date_range(from: Date, to: Date, tz: &TimeZone) -> Result<(Timestamp, Timestamp), AppError> {
    if from > to {
        return Err(AppError::Invalid(format!(
            "from ({from}) must not be after to ({to})"
        )));
    }
    let days = (to - from).get_days() as i64 + 1;
    if days > MAX_RANGE_DAYS {
        return Err(AppError::Invalid(format!(
            "a range covers at most {MAX_RANGE_DAYS} days; {from} to {to} is {days}"
        )));
    }
    let start = |d: Date| {
        d.to_zoned(tz.clone())
            .map(|z| z.timestamp())
            .map_err(|e| AppError::Invalid(format!("{d} has no start in the time zone: {e}")))
    };
    let end_date = to
        .tomorrow()
        .map_err(|e| AppError::Invalid(format!("to ({to}) is too far: {e}")))?;
    Ok((start(from)?, start(end_date)?))
}

impl Turno {
    /// One page of the conversations created in the range, oldest first: supervisors and
    /// admins only. Each page is one bounded read of the creation index and of the profiles
    /// of the customers on it.
    pub async fn conversation_page(
        &self,
        actor: &Actor,
        p: ExportParams,
    ) -> Result<ConversationPage, AppError> {
        if actor.role < Role::Supervisor {
            return Err(AppError::Forbidden(
                "exports are for supervisors and admins".into(),
            ));
        }
        let limit = p.limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(AppError::Invalid(format!("limit must be 1 to {MAX_PAGE}")));
        }
        let ws = self
            .config(&actor.workspace)
            .await
            .ok_or(AppError::NotFound("workspace"))?;
        let (from, to) = date_range(p.from, p.to, &ws.tz())?;
        let cursor = p
            .cursor
            .as_deref()
            .map(|c| {
                CreatedCursor::parse(c).ok_or_else(|| {
                    AppError::Invalid("the cursor is not one this export returned".into())
                })
            })
            .transpose()?;
        self.actor_agent(actor).await?;
        let range = CreatedRange {
            from,
            to,
            team: p.team,
        };
        let (tickets, next) = self
            .ports
            .store
            .tickets_created(&actor.workspace, &range, cursor.as_ref(), limit)
            .await?;
        let mut attributes: HashMap<WaId, BTreeMap<String, String>> = HashMap::new();
        let mut rows = Vec::with_capacity(tickets.len());
        for t in tickets {
            if !attributes.contains_key(&t.customer) {
                let found = self
                    .profile_attributes(&actor.workspace, &t.customer)
                    .await?;
                attributes.insert(t.customer.clone(), found);
            }
            let attrs = attributes.get(&t.customer).cloned().unwrap_or_default();
            rows.push(ConversationRow::of(t, attrs, ws.sla.policies()));
        }
        Ok(ConversationPage {
            rows,
            next_cursor: next.map(|c| c.to_text()),
        })
    }

    async fn profile_attributes(
        &self,
        ws: &crate::kernel::ids::WorkspaceId,
        customer: &WaId,
    ) -> Result<BTreeMap<String, String>, AppError> {
        let Some(record) = self
            .ports
            .store
            .record(ws, RecordKind::Customer, customer.as_str())
            .await?
        else {
            return Ok(BTreeMap::new());
        };
        let profile: CustomerProfile = serde_json::from_value(record.value)
            .map_err(|e| AppError::Unexpected(anyhow::anyhow!("stored customer profile: {e}")))?;
        Ok(profile.attributes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_local_days_checked_for_order_and_length() {
        let tz = TimeZone::get("Europe/Madrid").unwrap();
        let (from, to) = date_range(
            jiff::civil::date(2026, 3, 1),
            jiff::civil::date(2026, 3, 31),
            &tz,
        )
        .unwrap();
        assert_eq!(from.to_string(), "2026-02-28T23:00:00Z");
        // Summer time began on the 29th: April starts at 22:00 UTC.
        assert_eq!(to.to_string(), "2026-03-31T22:00:00Z");
        let one_day = date_range(
            jiff::civil::date(2026, 1, 1),
            jiff::civil::date(2026, 1, 1),
            &TimeZone::UTC,
        )
        .unwrap();
        assert_eq!(one_day.1.duration_since(one_day.0).as_hours(), 24);
        assert!(
            date_range(
                jiff::civil::date(2026, 2, 1),
                jiff::civil::date(2026, 1, 1),
                &tz
            )
            .is_err()
        );
        assert!(
            date_range(
                jiff::civil::date(2025, 1, 1),
                jiff::civil::date(2026, 1, 1),
                &tz
            )
            .is_ok(),
            "366 days"
        );
        assert!(
            date_range(
                jiff::civil::date(2025, 1, 1),
                jiff::civil::date(2026, 1, 2),
                &tz
            )
            .is_err(),
            "367 days"
        );
    }
}
