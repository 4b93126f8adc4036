//! Timestamps and durations as SQLite integers.

use std::time::Duration;

use jiff::Timestamp;

/// Nanoseconds since the Unix epoch, for ordering columns. Saturates outside 1677–2262, which
/// keeps every comparison right except ties at those extremes.
pub(crate) fn nanos(t: Timestamp) -> i64 {
    let n = t.as_nanosecond();
    i64::try_from(n).unwrap_or(if n < 0 { i64::MIN } else { i64::MAX })
}

/// Milliseconds, saturating: a delay too long to count is as good as forever.
pub(crate) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

pub(crate) fn from_millis(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(if ms < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}
