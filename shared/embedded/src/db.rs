//! The one SQLite database every embedded adapter shares, and its schema.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use rusqlite::{Connection, Transaction, TransactionBehavior};
use turno_core::ports::{Metrics, NoMetrics, StoreError};

/// How long a writer waits for another process holding the database before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Schema changes, applied in order; `PRAGMA user_version` counts how many a database has.
/// Append only: a released migration is never edited, a change is a new entry.
const MIGRATIONS: &[&str] = &[
    include_str!("schema/001_initial.sql"),
    include_str!("schema/002_sandbox_media.sql"),
    include_str!("schema/003_records_and_changes.sql"),
    include_str!("schema/004_queue_deferrals.sql"),
    include_str!("schema/005_record_order.sql"),
    include_str!("schema/006_ticket_views.sql"),
    include_str!("schema/007_ticket_creation.sql"),
    include_str!("schema/008_rollups.sql"),
    include_str!("schema/009_customer_rows.sql"),
    include_str!("schema/010_retention.sql"),
    include_str!("schema/011_ungrouped_customer.sql"),
];

mod busy;
mod checkpointer;
mod readers;
#[cfg(test)]
mod tests;
mod writer;

use checkpointer::Checkpointer;
use readers::Readers;
use writer::{Answer, Typed, Writer};

/// Read-only connections beside the writer: enough for the runner's concurrent reads (each
/// takes tens of microseconds) without holding many files open.
const READERS: usize = 4;

/// Prepared statements each connection keeps: every statement the store and the queues run
/// (about seventy), so none is parsed again on its next use.
const STATEMENT_CACHE: usize = 128;

/// The writer's page cache, in KiB (SQLite's negative `cache_size`). Small on purpose: when
/// an insert rebalances B-tree pages and reorders siblings, SQLite swaps their numbers through
/// a temporary one 1 GiB into the file, and the commit that follows then walks the cache's
/// whole hash table to drop pages past the end of the file. That walk grows with the cache
/// (in an insert benchmark, 10 % of the time at 32 MiB, 0.8 % at 2 MiB), while a page that
/// misses this cache costs one read from the OS's file cache. Under load, 4 MiB keeps the
/// same throughput as 32 MiB with 25–60 MB less resident memory.
const WRITER_CACHE_KIB: i64 = 4 * 1024;

/// [`WRITER_CACHE_KIB`], or `TURNO_DB_WRITER_CACHE_KIB` when set to a positive number (for
/// measuring other sizes without a rebuild).
fn writer_cache_kib() -> i64 {
    std::env::var("TURNO_DB_WRITER_CACHE_KIB")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(WRITER_CACHE_KIB)
}

/// The checkpoints have the WAL start over once it holds more than this, and it is truncated
/// back to this size when it does. Each start-over holds writes off for a few milliseconds
/// (see [`checkpointer`]); at 2,000 messages a second the WAL grows by about 100 MB a
/// second. A limit four times this measured no better for the webhooks' tail latency.
const WAL_SIZE_LIMIT: i64 = 64 * 1024 * 1024;

/// A handle on the SQLite database file that holds the store, the queues, the events and the
/// sandbox outbox. Cheap to clone: every clone shares one writer and one pool of readers.
///
/// Writes go to a single writer thread that commits every write waiting at that moment in one
/// transaction (group commit) and answers each only after the commit: a write that returned
/// `Ok` is on disk as far as `synchronous=NORMAL` promises (see [`Db::open`]). Reads run on a
/// pool of read-only connections, which WAL lets read beside the writer; a read started after
/// a write returned sees it. The async methods never block a runtime thread: writes wait on a
/// channel, reads run on the blocking pool.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    // Fields drop in declaration order: the writer closes its connection (and its thread
    // ends) before the checkpoints stop, and both before the temporary directory goes.
    writer: Writer,
    /// `None` for an in-memory database, which has no WAL.
    _checkpointer: Option<Checkpointer>,
    /// `None` for an in-memory database, whose reads go to the writer's connection.
    readers: Option<Readers>,
    path: Option<PathBuf>,
    /// Writes asked of the writer so far ([`Db::writes`]).
    writes: std::sync::atomic::AtomicU64,
    /// For [`Db::open_temporary`]: the directory is deleted after the connections close.
    _temp_dir: Option<tempfile::TempDir>,
}

impl Db {
    /// Opens (creating if needed) the database file at `path` and brings its schema up to
    /// date. WAL journal with `synchronous=NORMAL`: a committed write survives a process crash;
    /// only a power loss may lose the last few commits.
    pub fn open(path: &Path) -> anyhow::Result<Db> {
        Self::open_observed(path, Arc::new(NoMetrics))
    }

    /// [`Db::open`], timing every group commit and checkpoint into `metrics`
    /// (`Timing::StoreCommit`, `Timing::StoreCheckpoint`).
    pub fn open_observed(path: &Path, metrics: Arc<dyn Metrics>) -> anyhow::Result<Db> {
        Self::open_file(path, None, metrics)
    }

    /// A database file in a new temporary directory, deleted when the last clone is dropped.
    /// Behaves exactly like [`Db::open`] (WAL on a real file); for tests.
    pub fn open_temporary() -> anyhow::Result<Db> {
        let dir = tempfile::Builder::new()
            .prefix("turno-db-")
            .tempdir()
            .context("cannot create a temporary directory")?;
        let path = dir.path().join("turno.db");
        Self::open_file(&path, Some(dir), Arc::new(NoMetrics))
    }

    fn open_file(
        path: &Path,
        temp_dir: Option<tempfile::TempDir>,
        metrics: Arc<dyn Metrics>,
    ) -> anyhow::Result<Db> {
        let conn = Connection::open(path)
            .with_context(|| format!("cannot open the database {}", path.display()))?;
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .context("cannot switch the database to WAL mode")?;
        if !mode.eq_ignore_ascii_case("wal") {
            anyhow::bail!(
                "{} does not support WAL mode (journal mode is {mode})",
                path.display()
            );
        }
        Self::setup(conn, Some(path.to_path_buf()), temp_dir, metrics)
            .with_context(|| format!("cannot prepare the database {}", path.display()))
    }

    /// A private database in memory, gone when the last clone is dropped. For tests.
    pub fn open_in_memory() -> anyhow::Result<Db> {
        let conn = Connection::open_in_memory().context("cannot open an in-memory database")?;
        Self::setup(conn, None, None, Arc::new(NoMetrics))
            .context("cannot prepare the in-memory database")
    }

    fn setup(
        mut conn: Connection,
        path: Option<PathBuf>,
        temp_dir: Option<tempfile::TempDir>,
        metrics: Arc<dyn Metrics>,
    ) -> anyhow::Result<Db> {
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "cache_size", -writer_cache_kib())?;
        // Every write runs in a savepoint of the batch's transaction, and SQLite keeps the
        // pages a savepoint may have to restore in a statement journal. Past 64 KiB that
        // journal spills to a temporary file, which cost the writer a `pwrite` per page it
        // first touched in each write (a third of its time under a burst). In memory it is a
        // copy: the journal only ever undoes a savepoint inside a transaction that has not
        // committed, so where it lives changes nothing about what a commit makes durable.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        cache_statements(&conn, STATEMENT_CACHE)?;
        conn.busy_handler(Some(busy::handler(BUSY_TIMEOUT)))?;
        migrate(&mut conn)?;
        let checkpointer = match &path {
            Some(p) => {
                // Checkpoints run on their own thread ([`checkpointer`]), not inside the
                // writer's commits.
                conn.pragma_update(None, "wal_autocheckpoint", 0)?;
                conn.pragma_update(None, "journal_size_limit", WAL_SIZE_LIMIT)?;
                Some(
                    Checkpointer::spawn(p, BUSY_TIMEOUT, WAL_SIZE_LIMIT, metrics.clone())
                        .context("cannot start the checkpoints")?,
                )
            }
            None => None,
        };
        let readers = path
            .clone()
            .map(|p| Readers::new(p, READERS, STATEMENT_CACHE));
        let writer = Writer::spawn(conn, metrics).context("cannot start the database writer")?;
        Ok(Db {
            inner: Arc::new(Inner {
                writer,
                _checkpointer: checkpointer,
                readers,
                path,
                writes: Default::default(),
                _temp_dir: temp_dir,
            }),
        })
    }

    /// The database file, or `None` for an in-memory database.
    pub fn path(&self) -> Option<&Path> {
        self.inner.path.as_deref()
    }

    /// The schema version this database is at.
    pub fn schema_version(&self) -> anyhow::Result<u32> {
        self.read_blocking(|c| {
            Ok(c.pragma_query_value(None, "user_version", |r| r.get::<_, u32>(0))?)
        })
        .map_err(|e| e.into_anyhow("read the schema version"))
    }

    /// Runs `f` on a read connection, outside any explicit transaction, blocking this thread.
    /// For synchronous callers; async code uses [`Db::read`].
    pub(crate) fn read_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, DbError> {
        match &self.inner.readers {
            Some(readers) => readers.with(f),
            None => self.write_blocking(move |tx| f(tx)),
        }
    }

    /// Runs `f` on a read connection, on the blocking thread pool.
    pub(crate) async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, DbError> {
        if self.inner.readers.is_none() {
            return self.write(move |tx| f(tx)).await;
        }
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.read_blocking(f))
            .await
            .map_err(|e| DbError::other(format!("the read did not finish: {e}")))?
    }

    /// [`Db::read`] for a read of a few rows by their keys (tens of microseconds from the
    /// page cache), as a bot turn makes: run on this thread when a read connection is idle,
    /// which spares the hand-off to a blocking thread and back (two thread wake-ups, more
    /// than such a read costs); otherwise as [`Db::read`]. A panic in `f` is this read's
    /// error. Never for a read whose rows grow with the data (a list, a report).
    pub(crate) async fn read_keyed<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, DbError> {
        match &self.inner.readers {
            Some(readers) => {
                let run = |c: &Connection| {
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(c)))
                        .unwrap_or_else(|_| Err(DbError::other("the read panicked")))
                };
                match readers.with_idle(run) {
                    Ok(result) => result,
                    Err(run) => self.read(run).await,
                }
            }
            None => self.read(f).await,
        }
    }

    /// Runs `f` as one write: in its own savepoint inside the writer's next transaction,
    /// which takes the write lock up front (`IMMEDIATE`), so a read-modify-write inside `f`
    /// cannot interleave with another writer. An error from `f` rolls back only `f`'s
    /// statements. Returns once the transaction committed.
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, DbError> {
        let (job, answer) = writer::once(f);
        self.submit(job, answer).await
    }

    /// [`Db::write`] for a write that may run again after its statements were rolled back,
    /// with the same effect as running once (an idempotent insert or upsert that reads
    /// nothing outside the database): such writes share one savepoint in a group commit
    /// instead of each opening its own, and run again one by one only if one of them fails.
    pub(crate) async fn write_repeatable<T: Send + 'static>(
        &self,
        f: impl FnMut(&Transaction<'_>) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, DbError> {
        let (job, answer) = Typed::repeatable(f);
        self.submit(job, answer).await
    }

    async fn submit<T>(
        &self,
        job: Box<dyn writer::WriteJob>,
        answer: Answer<T>,
    ) -> Result<T, DbError> {
        self.inner
            .writes
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.inner.writer.send(job)?;
        answer
            .await
            .map_err(|_| DbError::other("the database writer stopped before answering"))?
    }

    /// How many writes (each its own savepoint in a group commit) were asked of this database
    /// since it was opened: what a use case costs the writer.
    pub fn writes(&self) -> u64 {
        self.inner.writes.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// [`Db::write`] for synchronous callers: blocks this thread until the commit.
    pub(crate) fn write_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, DbError> + Send + 'static,
    ) -> Result<T, DbError> {
        crate::wait::wait(self.write(f)).map_err(|e| DbError::other(format!("{e:#}")))?
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

/// Runs the reads of `f` in one read transaction on `conn`: they see one commit, and the
/// connection checks the database for changes (and drops its page cache if it changed) once
/// for all of them rather than once per statement. On a connection already in a transaction
/// (the writer, for a database with no read connections), `f` runs in that one.
pub(crate) fn snapshot<T>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, DbError>,
) -> Result<T, DbError> {
    if !conn.is_autocommit() {
        return f(conn);
    }
    let tx = conn.unchecked_transaction()?;
    let out = f(&tx)?;
    tx.commit()?;
    Ok(out)
}

/// Keeps up to `capacity` prepared statements on `conn`, each planned once.
///
/// Without the query planner stability guarantee, SQLite marks a statement whose plan could
/// depend on a bound value (an equality on a parameter, a `LIMIT ?`) to be planned again
/// when that value changes, and rusqlite clears a cached statement's bindings when it gives
/// it back: such a statement was parsed and planned again on every run. With it, a plan
/// never depends on a bound value, so a cached statement is prepared once.
fn cache_statements(conn: &Connection, capacity: usize) -> rusqlite::Result<()> {
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    conn.set_prepared_statement_cache_capacity(capacity);
    Ok(())
}

fn migrate(conn: &mut Connection) -> anyhow::Result<()> {
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Read inside the write lock: another process may have migrated meanwhile.
        let current: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let current = usize::try_from(current).context("negative schema version")?;
        if current > MIGRATIONS.len() {
            anyhow::bail!(
                "the database schema is at version {current}, newer than this build knows ({}); \
                 run a newer turno or use another data directory",
                MIGRATIONS.len()
            );
        }
        let Some(sql) = MIGRATIONS.get(current) else {
            return Ok(());
        };
        tx.execute_batch(sql)
            .with_context(|| format!("schema migration {} failed", current + 1))?;
        tx.pragma_update(None, "user_version", i64::try_from(current + 1)?)?;
        tx.commit()?;
    }
}

/// Why a database operation did not happen. The store maps the first two to its own
/// outcomes; everything else is unexpected.
#[derive(Debug)]
pub(crate) enum DbError {
    Conflict,
    AtCapacity,
    Sqlite(rusqlite::Error),
    Other(anyhow::Error),
}

impl DbError {
    pub(crate) fn other(message: impl std::fmt::Display) -> Self {
        DbError::Other(anyhow::anyhow!("{message}"))
    }

    /// For the store: keeps the domain outcomes, names the operation on anything else.
    pub(crate) fn into_store(self, op: &'static str) -> StoreError {
        match self {
            DbError::Conflict => StoreError::Conflict,
            DbError::AtCapacity => StoreError::AtCapacity,
            other => StoreError::Unexpected(other.into_anyhow(op)),
        }
    }

    pub(crate) fn into_anyhow(self, op: &'static str) -> anyhow::Error {
        let err = match self {
            DbError::Conflict => anyhow::anyhow!("the record changed since it was read"),
            DbError::AtCapacity => anyhow::anyhow!("the agent is at capacity"),
            DbError::Sqlite(e) => anyhow::Error::new(e),
            DbError::Other(e) => e,
        };
        err.context(format!("sqlite: {op} failed"))
    }
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        DbError::Sqlite(e)
    }
}

impl From<serde_json::Error> for DbError {
    fn from(e: serde_json::Error) -> Self {
        DbError::Other(anyhow::Error::new(e).context("stored JSON does not match the record type"))
    }
}

impl From<anyhow::Error> for DbError {
    fn from(e: anyhow::Error) -> Self {
        DbError::Other(e)
    }
}

/// Converts a count or version to SQLite's integer.
pub(crate) fn int(n: impl TryInto<i64>) -> Result<i64, DbError> {
    n.try_into()
        .map_err(|_| DbError::other("number too large for SQLite"))
}

#[cfg(test)]
mod connection_tests {
    use rusqlite::{Connection, StatementStatus, params};

    use super::{Db, DbError, snapshot};

    /// A statement whose plan SQLite would tie to its bound values: an equality on a
    /// parameter and a `LIMIT ?`, as the queue's receive has.
    const BY_VALUE: &str = "SELECT k FROM t WHERE v = ?1 ORDER BY k LIMIT ?2";

    /// Runs [`BY_VALUE`] through the connection's statement cache with `runs` different
    /// bindings and returns how many times SQLite prepared it again.
    fn reprepares(c: &Connection, runs: i64) -> Result<i32, DbError> {
        for i in 0..runs {
            let mut stmt = c.prepare_cached(BY_VALUE)?;
            let rows = stmt.query_map(params![format!("v{}", i % 3), i + 1], |r| {
                r.get::<_, i64>(0)
            })?;
            rows.collect::<Result<Vec<_>, _>>()?;
        }
        Ok(c.prepare_cached(BY_VALUE)?
            .get_status(StatementStatus::RePrepare))
    }

    #[tokio::test]
    async fn a_cached_statement_is_planned_once_whatever_its_bindings() {
        let db = Db::open_temporary().expect("db");
        let written = db
            .write(|tx| {
                tx.execute_batch(
                    "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL);
                     CREATE INDEX t_by_v ON t (v);
                     INSERT INTO t (v) VALUES ('v0'), ('v1'), ('v2'), ('v0');",
                )?;
                reprepares(tx, 20)
            })
            .await
            .expect("write");
        assert_eq!(written, 0, "the writer prepared the statement again");
        let read = db.read(|c| reprepares(c, 20)).await.expect("read");
        assert_eq!(read, 0, "a reader prepared the statement again");
    }

    #[tokio::test]
    async fn reads_in_one_snapshot_see_one_commit() {
        let db = Db::open_temporary().expect("db");
        db.write(|tx| Ok(tx.execute_batch("CREATE TABLE t (k INTEGER PRIMARY KEY)")?))
            .await
            .expect("table");
        let path = db.path().expect("a file").to_path_buf();
        let count = |c: &Connection| -> Result<i64, DbError> {
            Ok(c.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?)
        };
        // Another process commits a row between the two reads.
        let (apart, together) = db
            .read(move |c| {
                let commit_between = |c: &Connection| -> Result<(i64, i64), DbError> {
                    let before = count(c)?;
                    Connection::open(&path)?.execute("INSERT INTO t DEFAULT VALUES", [])?;
                    Ok((before, count(c)?))
                };
                Ok((commit_between(c)?, snapshot(c, commit_between)?))
            })
            .await
            .expect("read");
        assert_eq!(apart, (0, 1), "reads outside a snapshot see each commit");
        assert_eq!(
            together,
            (1, 1),
            "reads in one snapshot see the commit they started at"
        );
    }
}
