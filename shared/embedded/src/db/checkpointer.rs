//! Checkpoints off the writer's path: a thread with its own connection copies committed WAL
//! frames into the database file every little while, so the writer's commits never wait for
//! a checkpoint's copy and `fsync`s.
//!
//! The writer runs with `wal_autocheckpoint = 0`; without this thread its WAL would only
//! grow. A `PASSIVE` checkpoint takes no lock the writer or the readers wait for: it copies
//! what no reader still needs and leaves the rest for the next round. Durability is the
//! WAL's, as before: a commit is in the WAL (and so survives a process crash) before the
//! writer answers; the checkpoint only moves it into the main file.

use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use tracing::{error, warn};
use turno_core::ports::{Metrics, Timing};

/// How often the WAL is copied into the database file. At the writer's peak (a few thousand
/// small commits a second) this keeps the WAL to a few megabytes.
const EVERY: Duration = Duration::from_millis(250);

/// The checkpoint thread; dropping it stops the thread and waits for it.
pub(super) struct Checkpointer {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing the database file at `path` (in WAL mode).
    pub(super) fn spawn(
        path: &Path,
        busy_timeout: Duration,
        metrics: Arc<dyn Metrics>,
    ) -> anyhow::Result<Checkpointer> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(busy_timeout)?;
        let (stop, stopped) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("turno-db-checkpoint".into())
            .spawn(move || run(&conn, &stopped, metrics.as_ref()))?;
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

fn run(conn: &Connection, stopped: &mpsc::Receiver<()>, metrics: &dyn Metrics) {
    let mut failing = false;
    loop {
        match stopped.recv_timeout(EVERY) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
        let started = Instant::now();
        let done = checkpoint(conn);
        metrics.time(Timing::StoreCheckpoint, None, started.elapsed());
        match done {
            Ok(()) => failing = false,
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

/// Copies into the database file every WAL frame no reader still needs.
pub(super) fn checkpoint(conn: &Connection) -> rusqlite::Result<()> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
}
