//! A small pool of read-only connections. In WAL mode they read beside the writer: each
//! statement sees the last commit before it started, never a write in progress.
//!
//! A few dozen lines rather than a pool crate: the crates that pool rusqlite connections pin
//! a rusqlite version each, and all this needs is "take an idle connection or open one, up
//! to a bound".

use std::path::PathBuf;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::DbError;

/// How long a reader waits for a checkpoint or recovery holding the file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

pub(super) struct Readers {
    path: PathBuf,
    max: usize,
    statements: usize,
    state: Mutex<State>,
    freed: Condvar,
}

struct State {
    idle: Vec<Connection>,
    /// Connections open, idle or lent.
    open: usize,
}

impl Readers {
    /// A pool of at most `max` read-only connections on the database file at `path`, opened
    /// when first needed.
    /// Each keeps up to `statements` prepared statements.
    pub(super) fn new(path: PathBuf, max: usize, statements: usize) -> Self {
        Readers {
            path,
            max: max.max(1),
            statements,
            state: Mutex::new(State {
                idle: Vec::new(),
                open: 0,
            }),
            freed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is a list and a count, each updated in one step: sound after a panic.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` on an idle connection, waiting for one if all are lent; blocks the thread.
    pub(super) fn with<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let conn = self.take()?;
        self.lend(conn, f)
    }

    /// Runs `f` on a connection that is idle now, on this thread; gives `f` back, not run,
    /// when every open connection is lent (this never waits, nor opens a connection).
    pub(super) fn with_idle<T, F>(&self, f: F) -> Result<Result<T, DbError>, F>
    where
        F: FnOnce(&Connection) -> Result<T, DbError>,
    {
        // Taken in a statement of its own: the lock is released before `f` runs.
        let idle = self.lock().idle.pop();
        match idle {
            Some(conn) => Ok(self.lend(conn, f)),
            None => Err(f),
        }
    }

    /// Runs `f` on `conn`, taken from the pool, and gives `conn` back after, even if `f`
    /// panics, so the pool never shrinks.
    fn lend<T>(
        &self,
        conn: Connection,
        f: impl FnOnce(&Connection) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let lent = Lent {
            pool: self,
            conn: Some(conn),
        };
        match &lent.conn {
            Some(c) => f(c),
            None => Err(DbError::other("no read connection")),
        }
    }

    fn take(&self) -> Result<Connection, DbError> {
        let mut state = self.lock();
        loop {
            if let Some(conn) = state.idle.pop() {
                return Ok(conn);
            }
            if state.open < self.max {
                state.open += 1;
                drop(state);
                return self.open().inspect_err(|_| self.lock().open -= 1);
            }
            state = self
                .freed
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    fn open(&self) -> Result<Connection, DbError> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        super::cache_statements(&conn, self.statements)?;
        Ok(conn)
    }

    fn give_back(&self, conn: Connection) {
        self.lock().idle.push(conn);
        self.freed.notify_one();
    }
}

struct Lent<'a> {
    pool: &'a Readers,
    conn: Option<Connection>,
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.give_back(conn);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_runs_at_once_on_an_idle_connection_and_is_given_back_when_none_is_idle() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("r.db");
        Connection::open(&path)
            .and_then(|c| c.execute_batch("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (7);"))
            .expect("table");
        let readers = Readers::new(path, 1, 8);
        let read = |c: &Connection| Ok(c.query_row("SELECT v FROM t", [], |r| r.get::<_, i64>(0))?);
        // No connection is open yet, so none is idle: nothing is opened here.
        assert!(readers.with_idle(read).is_err());
        assert_eq!(readers.with(read).expect("read"), 7);
        let idle = readers.with_idle(read).ok().map(|r| r.expect("read"));
        assert_eq!(idle, Some(7));
        // While the only connection is lent, the read comes back unrun.
        let inside = readers.with(|_| Ok(readers.with_idle(read).is_err()));
        assert!(inside.expect("read"));
    }
}
