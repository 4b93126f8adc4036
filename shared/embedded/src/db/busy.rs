//! Waiting for a lock another connection holds, looking again soon after it may have gone.
//!
//! SQLite's own busy handler (`busy_timeout`) sleeps 1, 2, 5, 10, 15, 20, 25 ms… between
//! looks: a lock released after 4 ms is seen at 8 ms, one released after 9 ms at 18 ms. The
//! waits that matter here are that short. The writer waits while a `RESTART` checkpoint holds
//! writes off, and the checkpoint waits for the reads under way to end; every webhook waits
//! behind both. These handlers look again after 50 µs, doubling the pause up to 1 ms, so a
//! wait ends within a few percent of the lock's release (or 1 ms), at a few looks per
//! millisecond.

use std::time::{Duration, Instant};

/// The first pause between looks.
const FIRST_PAUSE: Duration = Duration::from_micros(50);
/// The longest pause between looks.
const LONGEST_PAUSE: Duration = Duration::from_millis(1);

/// The pause before the look after `tries` looks that found the lock held.
fn pause(tries: u32) -> Duration {
    FIRST_PAUSE
        .saturating_mul(1 << tries.min(16))
        .min(LONGEST_PAUSE)
}

/// A busy handler for `rusqlite::Connection::busy_handler`: looks again until `timeout` has
/// passed since the first look found the lock held, then lets the statement fail with
/// `SQLITE_BUSY`.
pub(super) fn handler(timeout: Duration) -> impl FnMut(i32) -> bool + Send + 'static {
    let mut since = Instant::now();
    move |tries| {
        // SQLite counts the looks of one wait from 0.
        let tries = u32::try_from(tries).unwrap_or(0);
        if tries == 0 {
            since = Instant::now();
        }
        let left = timeout.saturating_sub(since.elapsed());
        if left.is_zero() {
            return false;
        }
        std::thread::sleep(pause(tries).min(left));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_start_short_and_double_up_to_a_millisecond() {
        let pauses: Vec<u128> = (0..8).map(|t| pause(t).as_micros()).collect();
        assert_eq!(pauses, [50, 100, 200, 400, 800, 1000, 1000, 1000]);
        assert_eq!(pause(u32::MAX), LONGEST_PAUSE);
    }

    #[test]
    fn a_wait_goes_on_until_its_timeout_and_a_new_wait_starts_afresh() {
        let timeout = Duration::from_millis(3);
        let mut busy = handler(timeout);
        let started = Instant::now();
        let mut tries = 0;
        while busy(tries) {
            tries += 1;
            assert!(tries < 10_000, "the wait never ended");
        }
        assert!(
            started.elapsed() >= timeout,
            "gave up early, after {tries} looks"
        );
        // The next lock's wait is its own: looks count from 0 again.
        assert!(busy(0), "a new wait");
    }

    #[test]
    fn a_connection_waits_for_a_lock_held_a_while_and_gives_up_on_one_held_past_its_timeout() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("busy.db");
        let holder = rusqlite::Connection::open(&path).expect("open");
        holder
            .execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE t (x); BEGIN IMMEDIATE")
            .expect("hold the write lock");
        let mut waiter = rusqlite::Connection::open(&path).expect("open");
        waiter
            .busy_handler(Some(handler(Duration::from_millis(20))))
            .expect("handler");
        let err = waiter
            .execute_batch("BEGIN IMMEDIATE")
            .expect_err("the lock is held past the timeout");
        assert_eq!(
            err.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseBusy),
            "{err}"
        );
        waiter
            .busy_handler(Some(handler(Duration::from_secs(5))))
            .expect("handler");
        let release = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(10));
            holder.execute_batch("COMMIT").expect("release");
        });
        waiter
            .execute_batch("BEGIN IMMEDIATE; INSERT INTO t VALUES (1); COMMIT")
            .expect("the write goes through once the lock is released");
        release.join().expect("holder thread");
    }
}
