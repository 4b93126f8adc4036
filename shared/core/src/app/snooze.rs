//! The times an agent is offered to snooze a ticket until, in the workspace's time zone.

use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::{Actor, AppError, Turno};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SnoozePreset {
    /// `in_1h`, `tomorrow_9`, `next_monday_9`.
    pub key: &'static str,
    pub until: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SnoozePresets {
    /// The workspace's time zone (IANA name): [`crate::config::WorkspaceConfig::time_zone_name`].
    pub timezone: String,
    pub presets: Vec<SnoozePreset>,
}

/// In an hour, tomorrow at 9:00 and next Monday at 9:00, in `tz`, from `now`.
pub fn presets(tz: &TimeZone, now: Timestamp) -> Vec<SnoozePreset> {
    let mut out = vec![SnoozePreset {
        key: "in_1h",
        until: now
            .saturating_add(SignedDuration::from_hours(1))
            .unwrap_or(now),
    }];
    let today = now.to_zoned(tz.clone()).date();
    let at_nine = |d: jiff::civil::Date| d.at(9, 0, 0, 0).to_zoned(tz.clone()).ok();
    if let Some(z) = today.tomorrow().ok().and_then(at_nine) {
        out.push(SnoozePreset {
            key: "tomorrow_9",
            until: z.timestamp(),
        });
    }
    if let Some(z) = today.nth_weekday(1, Weekday::Monday).ok().and_then(at_nine) {
        out.push(SnoozePreset {
            key: "next_monday_9",
            until: z.timestamp(),
        });
    }
    out
}

impl Turno {
    pub fn snooze_presets(&self, actor: &Actor) -> Result<SnoozePresets, AppError> {
        let ws = self
            .workspaces
            .get(&actor.workspace)
            .ok_or(AppError::NotFound("workspace"))?;
        let timezone = ws.time_zone_name();
        let tz = TimeZone::get(&timezone).unwrap_or(TimeZone::UTC);
        Ok(SnoozePresets {
            presets: presets(&tz, self.now()),
            timezone,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_fall_at_nine_in_the_workspace_zone() {
        let tz = TimeZone::get("Europe/Madrid").unwrap();
        // Wednesday 2026-06-03 22:30 in Madrid (20:30 UTC).
        let now: Timestamp = "2026-06-03T20:30:00Z".parse().unwrap();
        let p = presets(&tz, now);
        let keys: Vec<_> = p.iter().map(|x| x.key).collect();
        assert_eq!(keys, ["in_1h", "tomorrow_9", "next_monday_9"]);
        assert_eq!(p[0].until.to_string(), "2026-06-03T21:30:00Z");
        assert_eq!(p[1].until.to_string(), "2026-06-04T07:00:00Z");
        assert_eq!(p[2].until.to_string(), "2026-06-08T07:00:00Z");
    }

    #[test]
    fn on_a_monday_next_monday_is_a_week_on() {
        let now: Timestamp = "2026-06-08T05:00:00Z".parse().unwrap();
        let p = presets(&TimeZone::UTC, now);
        assert_eq!(p[2].until.to_string(), "2026-06-15T09:00:00Z");
    }
}
