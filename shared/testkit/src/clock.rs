use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};
use turno_core::ports::Clock;

/// A [`Clock`] that stands still until a test moves it.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<Timestamp>,
}

impl ManualClock {
    /// A clock showing `start`.
    pub fn new(start: Timestamp) -> Self {
        ManualClock {
            now: Mutex::new(start),
        }
    }

    /// Puts the clock at `to`.
    pub fn set(&self, to: Timestamp) {
        *self.lock() = to;
    }

    /// Moves the clock by `by` (which may be negative, to test clock skew).
    pub fn advance(&self, by: impl TryInto<SignedDuration>) {
        let by = by.try_into().unwrap_or(SignedDuration::MAX);
        let mut now = self.lock();
        *now = now.saturating_add(by).unwrap_or(*now);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Timestamp> {
        // A panicking test cannot leave a timestamp half-written.
        self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Default for ManualClock {
    /// Starts at [`crate::builders::BASE`].
    fn default() -> Self {
        ManualClock::new(crate::builders::at(0))
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.lock()
    }
}
