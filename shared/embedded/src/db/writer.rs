//! The single writer: one OS thread owns the write connection and commits whatever writes
//! are waiting together (group commit).
//!
//! Each batch is one `IMMEDIATE` transaction; each write in it runs in its own savepoint, so
//! a write that fails rolls back only its own statements and gets its own error. The batch
//! commits once, and only then is every write answered: an answered write is committed.
//!
//! Writes that can run again after a rollback (queue sends, delivery statuses: most of what a
//! webhook writes) first run together in one savepoint: a savepoint costs two statements and
//! a copy of every page it is first to touch, which was a third of such a write's time. Only
//! if one of them fails are they rolled back and run again, each in its own savepoint.

use std::any::Any;
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, mpsc};
use std::thread::{self, JoinHandle, ThreadId};
use std::time::Instant;

use rusqlite::{Connection, Transaction, TransactionBehavior};
use tokio::sync::oneshot;
use tracing::error;
use turno_core::ports::{Metrics, Timing};

use super::DbError;

/// Most writes committed together. Bounds how long the first write of a batch waits behind
/// the others (each takes tens of microseconds).
const MAX_BATCH: usize = 256;

/// One write waiting for the writer.
pub(super) trait WriteJob: Send {
    /// Runs the write's statements in the open transaction; `Ok` if they succeeded and should
    /// be kept.
    fn run(&mut self, tx: &Transaction<'_>) -> bool;

    /// Answers the caller once the batch's fate is known: `Ok` if it committed, otherwise why
    /// not.
    fn answer(self: Box<Self>, committed: Result<(), String>);

    /// Whether [`WriteJob::run`] may be called again after the statements of an earlier call
    /// were rolled back, with the same effect as a single call: such jobs share a savepoint.
    fn repeatable(&self) -> bool;
}

/// A write closure and where its result goes.
pub(super) struct Typed<F, T> {
    f: F,
    out: Option<Result<T, DbError>>,
    reply: oneshot::Sender<Result<T, DbError>>,
    repeatable: bool,
}

/// The receiver a write's result arrives on after the commit.
pub(super) type Answer<T> = oneshot::Receiver<Result<T, DbError>>;

impl<F, T> Typed<F, T>
where
    F: FnMut(&Transaction<'_>) -> Result<T, DbError> + Send + 'static,
    T: Send + 'static,
{
    /// The job for a write that may run again after a rollback ([`WriteJob::repeatable`]),
    /// and the receiver of its result.
    pub(super) fn repeatable(f: F) -> (Box<dyn WriteJob>, Answer<T>) {
        Self::with(f, true)
    }

    fn with(f: F, repeatable: bool) -> (Box<dyn WriteJob>, Answer<T>) {
        let (reply, answer) = oneshot::channel();
        let job = Typed {
            f,
            out: None,
            reply,
            repeatable,
        };
        (Box::new(job), answer)
    }
}

/// The job for a write that runs once, and the receiver of its result.
pub(super) fn once<T: Send + 'static>(
    f: impl FnOnce(&Transaction<'_>) -> Result<T, DbError> + Send + 'static,
) -> (Box<dyn WriteJob>, Answer<T>) {
    let mut f = Some(f);
    // The writer runs a job that is not repeatable exactly once.
    Typed::with(
        move |tx: &Transaction<'_>| match f.take() {
            Some(f) => f(tx),
            None => Err(DbError::other("a write that runs once was run again")),
        },
        false,
    )
}

impl<F, T> WriteJob for Typed<F, T>
where
    F: FnMut(&Transaction<'_>) -> Result<T, DbError> + Send + 'static,
    T: Send + 'static,
{
    fn run(&mut self, tx: &Transaction<'_>) -> bool {
        // A panic leaves no result: the job counts as failed and is answered so.
        self.out = None;
        let out = (self.f)(tx);
        let ok = out.is_ok();
        self.out = Some(out);
        ok
    }

    fn answer(self: Box<Self>, committed: Result<(), String>) {
        let result = match (committed, self.out) {
            (Ok(()), Some(out)) => out,
            // The write's own error stands even when the batch failed too.
            (Err(_), Some(Err(e))) => Err(e),
            (Err(why), _) => Err(DbError::other(format!(
                "the write was not committed: {why}"
            ))),
            (Ok(()), None) => Err(DbError::other("the write panicked; it was rolled back")),
        };
        // The caller may have stopped waiting (its task was cancelled); the write stands.
        let _ = self.reply.send(result);
    }

    fn repeatable(&self) -> bool {
        self.repeatable
    }
}

/// The writer thread and the channel that feeds it. Dropping it lets the thread finish the
/// writes already sent, close the connection and end; the drop waits for that.
pub(super) struct Writer {
    jobs: Option<mpsc::Sender<Box<dyn WriteJob>>>,
    thread: Option<JoinHandle<()>>,
    thread_id: ThreadId,
}

impl Writer {
    /// Starts the writer thread on `conn`.
    pub(super) fn spawn(conn: Connection, metrics: Arc<dyn Metrics>) -> std::io::Result<Writer> {
        let (jobs, queue) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("turno-db-writer".into())
            .spawn(move || run(conn, &queue, metrics.as_ref()))?;
        Ok(Writer {
            jobs: Some(jobs),
            thread_id: thread.thread().id(),
            thread: Some(thread),
        })
    }

    /// Hands `job` to the writer; gives it back if the writer is gone.
    pub(super) fn send(&self, job: Box<dyn WriteJob>) -> Result<(), DbError> {
        let Some(jobs) = &self.jobs else {
            return Err(DbError::other("the database writer has stopped"));
        };
        jobs.send(job)
            .map_err(|_| DbError::other("the database writer has stopped"))
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(thread) = self.thread.take()
            && thread::current().id() != self.thread_id
            && thread.join().is_err()
        {
            error!("the database writer thread panicked");
        }
    }
}

fn run(mut conn: Connection, queue: &mpsc::Receiver<Box<dyn WriteJob>>, metrics: &dyn Metrics) {
    while let Ok(first) = queue.recv() {
        let mut batch = Vec::with_capacity(16);
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let started = Instant::now();
        commit_batch(&mut conn, batch);
        metrics.time(Timing::StoreCommit, None, started.elapsed());
    }
}

/// Runs `batch` in one transaction, each job in its savepoint (the repeatable ones first,
/// together in one), commits, then answers.
fn commit_batch(conn: &mut Connection, batch: Vec<Box<dyn WriteJob>>) {
    // Reordering a batch is safe: no write in it has been answered, so none of them was
    // waited for before another was asked.
    let (repeatable, others): (Vec<_>, Vec<_>) =
        batch.into_iter().partition(|job| job.repeatable());
    let mut together = if repeatable.len() > 1 {
        repeatable.len()
    } else {
        0
    };
    let mut pending: VecDeque<Box<dyn WriteJob>> = repeatable.into_iter().chain(others).collect();
    // A statement error that ends the whole transaction (SQLite rolls back on a full disk or
    // an I/O error) fails the writes it held; the rest start a new transaction.
    loop {
        let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
            Ok(tx) => tx,
            Err(e) => {
                let why = e.to_string();
                for job in pending {
                    job.answer(Err(why.clone()));
                }
                return;
            }
        };
        let mut done: Vec<Box<dyn WriteJob>> = Vec::new();
        if together > 0 {
            let n = std::mem::take(&mut together);
            match run_together(&tx, pending.range_mut(..n)) {
                Together::Kept => done.extend(pending.drain(..n)),
                // Each runs again below, in its own savepoint.
                Together::Failed => {}
                // Dropping the transaction rolls it back; each runs again in the next one.
                Together::Lost => continue,
            }
        }
        let mut lost = false;
        while let Some(mut job) = pending.pop_front() {
            run_in_savepoint(&tx, job.as_mut());
            done.push(job);
            if tx.is_autocommit() {
                lost = true;
                break;
            }
        }
        if lost {
            drop(tx);
            for job in done {
                job.answer(Err("the transaction was rolled back".into()));
            }
            continue;
        }
        let committed = tx.commit().map_err(|e| e.to_string());
        if let Err(why) = &committed {
            error!(error = %why, writes = done.len(), "could not commit a batch of writes");
        }
        for job in done {
            job.answer(committed.clone());
        }
        return;
    }
}

/// How a run of repeatable jobs in one savepoint ended.
enum Together {
    /// Every job succeeded; their statements stand.
    Kept,
    /// A job failed or panicked; every job's statements were rolled back.
    Failed,
    /// The transaction itself ended (or a savepoint could not be closed): it must be
    /// dropped, which rolls everything back.
    Lost,
}

/// Runs repeatable `jobs` one after the other in a single savepoint; rolls them all back if
/// one of them fails, so that each can run again in its own.
fn run_together<'a>(
    tx: &Transaction<'_>,
    jobs: impl Iterator<Item = &'a mut Box<dyn WriteJob>>,
) -> Together {
    if let Err(e) = run_cached(tx, "SAVEPOINT jobs") {
        error!(error = %e, "could not open a savepoint");
        return Together::Failed;
    }
    let mut all_kept = true;
    for job in jobs {
        let kept = catch_unwind(AssertUnwindSafe(|| job.run(tx))).unwrap_or_else(|panic| {
            error!(panic = panic_message(&*panic), "a database write panicked");
            false
        });
        if tx.is_autocommit() {
            return Together::Lost;
        }
        if !kept {
            all_kept = false;
            break;
        }
    }
    let end = if all_kept {
        run_cached(tx, "RELEASE jobs")
    } else {
        run_cached(tx, "ROLLBACK TO jobs").and_then(|()| run_cached(tx, "RELEASE jobs"))
    };
    match end {
        Ok(()) if all_kept => Together::Kept,
        Ok(()) => Together::Failed,
        Err(e) => {
            error!(error = %e, "could not close a savepoint");
            Together::Lost
        }
    }
}

/// Runs one job between `SAVEPOINT` and `RELEASE`, rolling back to the savepoint if the job
/// fails or panics.
fn run_in_savepoint(tx: &Transaction<'_>, job: &mut dyn WriteJob) {
    if let Err(e) = run_cached(tx, "SAVEPOINT job") {
        error!(error = %e, "could not open a savepoint");
        return;
    }
    let kept = match catch_unwind(AssertUnwindSafe(|| job.run(tx))) {
        Ok(kept) => kept,
        Err(panic) => {
            error!(panic = panic_message(&*panic), "a database write panicked");
            false
        }
    };
    if tx.is_autocommit() {
        return;
    }
    let end = if kept {
        run_cached(tx, "RELEASE job")
    } else {
        run_cached(tx, "ROLLBACK TO job").and_then(|()| run_cached(tx, "RELEASE job"))
    };
    if let Err(e) = end {
        error!(error = %e, "could not close a savepoint");
    }
}

/// Runs one statement without parameters from the connection's statement cache: the
/// savepoints around every write are parsed once, not twice per write.
fn run_cached(tx: &Transaction<'_>, sql: &str) -> rusqlite::Result<()> {
    tx.prepare_cached(sql)?.execute([])?;
    Ok(())
}

fn panic_message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}
