//! Checkpoints off the writer's path: a thread with its own connection copies committed WAL
//! frames into the database file every little while, so the writer's commits never wait for
//! a checkpoint's copy and `fsync`s.
//!
//! The writer runs with `wal_autocheckpoint = 0`; without this thread its WAL would only
//! grow. A `PASSIVE` checkpoint takes no lock the writer or the readers wait for: it copies
//! what no reader still needs and leaves the rest for the next round. Durability is the
//! WAL's, as before: a commit is in the WAL (and so survives a process crash) before the
//! writer answers; the checkpoint only moves it into the main file.
//!
//! Copying is not enough to keep the WAL small: SQLite starts writing at the WAL's beginning
//! again only when a write begins while every frame is copied and no reader still reads from
//! the WAL. Under steady load there is always a commit the last round did not copy, or a read
//! under way, so the WAL grew by every page written (a hundred megabytes a second at 2,000
//! messages a second), and each page lookup searched a longer WAL index. Once the WAL holds
//! more than a limit, a round therefore asks for a `RESTART` checkpoint: it holds off new
//! writes, copies the few frames left, and waits for the reads under way to end, at most
//! [`RESTART_WAIT`]; then the next write starts the WAL over (and the writer's
//! `journal_size_limit` truncates the file). If the reads outlast the wait, it gives up,
//! lets the writes through and tries again next round.

use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use tracing::{error, warn};
use turno_core::ports::{Metrics, Timing};

/// How often the WAL is copied into the database file.
const EVERY: Duration = Duration::from_millis(250);

/// The longest a `RESTART` checkpoint holds off writes while it waits for reads to end
/// (looking again within a millisecond, [`super::busy`]).
pub(super) const RESTART_WAIT: Duration = Duration::from_millis(20);

/// The checkpoint thread; dropping it stops the thread and waits for it.
pub(super) struct Checkpointer {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing the database file at `path` (in WAL mode), restarting the WAL
    /// once it is over `restart_over` bytes; `busy_timeout` bounds the wait to read the file's
    /// page size at the start.
    pub(super) fn spawn(
        path: &Path,
        busy_timeout: Duration,
        restart_over: i64,
        metrics: Arc<dyn Metrics>,
    ) -> anyhow::Result<Checkpointer> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(busy_timeout)?;
        let page: i64 = conn.pragma_query_value(None, "page_size", |r| r.get(0))?;
        // From here on only a RESTART waits on the busy handler: it must not hold writes off
        // for long, nor a moment longer than the reads it waits for.
        conn.busy_handler(Some(super::busy::handler(RESTART_WAIT)))?;
        // A WAL frame is a page and its 24-byte header.
        let restart_after = restart_over / (page + 24).max(1);
        let (stop, stopped) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("turno-db-checkpoint".into())
            .spawn(move || run(&conn, restart_after, &stopped, metrics.as_ref()))?;
        Ok(Checkpointer {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop = None;
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            error!("the database checkpoint thread panicked");
        }
    }
}

fn run(conn: &Connection, restart_after: i64, stopped: &mpsc::Receiver<()>, metrics: &dyn Metrics) {
    let mut failing = false;
    let mut starved = false;
    loop {
        match stopped.recv_timeout(EVERY) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
        let started = Instant::now();
        let done = checkpoint(conn, restart_after);
        metrics.time(Timing::StoreCheckpoint, None, started.elapsed());
        match done {
            Ok(round) => {
                failing = false;
                let kept_from_restarting = round.wal_frames > restart_after && !round.restarted;
                // Logged once per spell: reads kept the WAL from restarting round after round.
                if kept_from_restarting && !starved {
                    warn!(
                        wal_frames = round.wal_frames,
                        "reads kept the database's WAL from starting over; it keeps growing"
                    );
                }
                starved = kept_from_restarting;
            }
            // Logged once per spell of failures: the next round tries again, and until one
            // succeeds the WAL only grows (every commit is still in it).
            Err(e) if !failing => {
                failing = true;
                warn!(error = %e, "could not checkpoint the database");
            }
            Err(_) => {}
        }
    }
}

/// What a checkpoint round did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Round {
    /// Frames in the WAL when the round began copying.
    pub(super) wal_frames: i64,
    /// Whether the round left the WAL to start over at the next write.
    pub(super) restarted: bool,
}

/// Copies into the database file every WAL frame no reader still needs; past
/// `restart_after` frames, also has the WAL start over (see the module's documentation).
pub(super) fn checkpoint(conn: &Connection, restart_after: i64) -> rusqlite::Result<Round> {
    let wal_frames = wal_checkpoint(conn, "PASSIVE")?.1;
    let restarted = wal_frames > restart_after && wal_checkpoint(conn, "RESTART")?.0 == 0;
    Ok(Round {
        wal_frames,
        restarted,
    })
}

/// `PRAGMA wal_checkpoint(mode)`: whether it was kept from finishing (1) and the WAL's frames.
fn wal_checkpoint(conn: &Connection, mode: &str) -> rusqlite::Result<(i64, i64)> {
    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use rusqlite::Connection;

    use super::{Round, checkpoint, wal_checkpoint};
    use crate::db::Db;

    async fn commits(db: &Db, n: usize) {
        for _ in 0..n {
            db.write(|tx| Ok(tx.execute("INSERT INTO t (v) VALUES (zeroblob(3000))", [])?))
                .await
                .expect("commit");
        }
    }

    /// A database with 100 commits in its WAL, and a read under way at the last of them
    /// while 20 more commit: the read still needs frames a passive round must leave. The
    /// rounds' connection waits for reads at most `wait`.
    async fn wal_with_a_read_under_way(wait: Duration) -> (Db, Connection, Connection) {
        let db = Db::open_temporary().expect("db");
        db.write(|tx| Ok(tx.execute_batch("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)")?))
            .await
            .expect("table");
        commits(&db, 100).await;
        let path = db.path().expect("a file");
        let reader = Connection::open(path).expect("reader");
        reader.execute_batch("BEGIN").expect("begin");
        let seen: i64 = reader
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .expect("read");
        assert_eq!(seen, 100);
        commits(&db, 20).await;
        let mut rounds = Connection::open(path).expect("checkpoint connection");
        // The rounds' wait, as the checkpoint thread sets it.
        rounds
            .busy_handler(Some(crate::db::busy::handler(wait)))
            .expect("handler");
        (db, reader, rounds)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_round_past_the_limit_has_the_wal_start_over_once_the_reads_end() {
        // Long enough for the read to end on any machine.
        let (db, reader, rounds) = wal_with_a_read_under_way(Duration::from_secs(5)).await;
        let ending = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(5));
            reader.execute_batch("COMMIT").expect("end the read");
        });
        let round = checkpoint(&rounds, 50).expect("round");
        ending.join().expect("reader thread");
        assert!(round.wal_frames > 100, "{round:?}");
        assert!(round.restarted, "{round:?}");
        commits(&db, 1).await;
        // The next commit wrote at the WAL's beginning: the WAL holds its frames alone.
        let (_, frames) = wal_checkpoint(&rounds, "PASSIVE").expect("frames");
        assert!(frames < 10, "the WAL still holds {frames} frames");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_round_gives_up_on_reads_that_outlast_its_wait_and_writes_go_on() {
        let (db, reader, rounds) = wal_with_a_read_under_way(Duration::from_millis(20)).await;
        let round = checkpoint(&rounds, 50).expect("a round kept waiting is no error");
        assert_eq!(
            round,
            Round {
                wal_frames: round.wal_frames,
                restarted: false
            }
        );
        commits(&db, 1).await;
        drop(reader);
        // Under the limit, a round only copies.
        let round = checkpoint(&rounds, i64::MAX).expect("round");
        assert!(!round.restarted && round.wal_frames > 100, "{round:?}");
    }
}
