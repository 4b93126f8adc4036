//! The writer's group commit and the read pool, on a table of their own.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags, params};

use super::{Db, DbError};

async fn db_with_table() -> Db {
    let db = Db::open_temporary().expect("db");
    db.write(|tx| {
        tx.execute_batch("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)")?;
        Ok(())
    })
    .await
    .expect("table");
    db
}

async fn insert(db: &Db, k: i64) -> Result<(), DbError> {
    db.write(move |tx| {
        tx.execute("INSERT INTO t (k, v) VALUES (?1, 'x')", params![k])?;
        Ok(())
    })
    .await
}

/// The first column of every row `sql` returns.
async fn column<T: rusqlite::types::FromSql + Send + 'static>(
    db: &Db,
    sql: &'static str,
) -> Vec<T> {
    db.read(move |c| {
        let mut stmt = c.prepare(sql)?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<Vec<T>, _>>()?)
    })
    .await
    .expect(sql)
}

async fn keys(db: &Db) -> Vec<i64> {
    column(db, "SELECT k FROM t ORDER BY k").await
}

/// A connection of its own on the file, as another process would open it.
fn outsider(db: &Db) -> Connection {
    let path = db.path().expect("a file");
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open")
}

fn outsider_sees(conn: &Connection, k: i64) -> bool {
    conn.query_row("SELECT count(*) FROM t WHERE k = ?1", params![k], |r| {
        r.get::<_, i64>(0)
    })
    .expect("count")
        == 1
}

/// Sends a write that holds the writer until `release` is sent to, so the writes sent after
/// it wait and go into the next batch together.
fn hold_writer(
    db: &Db,
) -> (
    mpsc::Sender<()>,
    tokio::task::JoinHandle<Result<(), DbError>>,
) {
    let (release, wait) = mpsc::channel::<()>();
    let db = db.clone();
    let held = tokio::spawn(async move {
        db.write(move |tx| {
            tx.execute("INSERT INTO t (k, v) VALUES (0, 'held')", [])?;
            wait.recv_timeout(Duration::from_secs(10))
                .map_err(|_| DbError::other("never released"))?;
            Ok(())
        })
        .await
    });
    (release, held)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_writers_are_all_committed_and_visible() {
    let db = db_with_table().await;
    let writers: Vec<_> = (1..=500)
        .map(|k| {
            let db = db.clone();
            tokio::spawn(async move { insert(&db, k).await })
        })
        .collect();
    for w in writers {
        w.await.expect("task").expect("committed");
    }
    assert_eq!(keys(&db).await, (1..=500).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_write_rolls_back_alone_and_gets_its_own_error() {
    let db = db_with_table().await;
    let (release, held) = hold_writer(&db);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let first = tokio::spawn({
        let db = db.clone();
        async move { insert(&db, 1).await }
    });
    let failing = tokio::spawn({
        let db = db.clone();
        async move {
            db.write(|tx| {
                tx.execute("INSERT INTO t (k, v) VALUES (2, 'x')", [])?;
                Err::<(), _>(DbError::Conflict)
            })
            .await
        }
    });
    let duplicate = tokio::spawn({
        let db = db.clone();
        // Key 1 again: a constraint error from SQLite itself.
        async move { insert(&db, 1).await }
    });
    let last = tokio::spawn({
        let db = db.clone();
        async move { insert(&db, 3).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    release.send(()).expect("release");
    held.await.expect("task").expect("held write committed");
    // The two writes of key 1 may reach the writer in either order: one commits, the other
    // gets SQLite's constraint error, alone.
    let ones = [first.await.expect("task"), duplicate.await.expect("task")];
    assert_eq!(
        ones.iter().filter(|r| r.is_ok()).count(),
        1,
        "one write of key 1 commits: {ones:?}"
    );
    assert!(
        ones.iter().any(|r| matches!(r, Err(DbError::Sqlite(_)))),
        "the other gets SQLite's constraint error: {ones:?}"
    );
    assert!(matches!(
        failing.await.expect("task"),
        Err(DbError::Conflict)
    ));
    last.await.expect("task").expect("last committed");
    assert_eq!(keys(&db).await, vec![0, 1, 3]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_write_fails_alone() {
    let db = db_with_table().await;
    let (release, held) = hold_writer(&db);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let panics = tokio::spawn({
        let db = db.clone();
        async move {
            db.write(|tx| -> Result<(), DbError> {
                tx.execute("INSERT INTO t (k, v) VALUES (7, 'x')", [])?;
                panic!("a write that panics");
            })
            .await
        }
    });
    let after = tokio::spawn({
        let db = db.clone();
        async move { insert(&db, 8).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    release.send(()).expect("release");
    held.await.expect("task").expect("held");
    assert!(panics.await.expect("task").is_err());
    after.await.expect("task").expect("committed");
    assert_eq!(keys(&db).await, vec![0, 8]);
    // The writer is still there.
    insert(&db, 9).await.expect("later write");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_is_answered_only_after_its_commit() {
    let db = db_with_table().await;
    let (release, held) = hold_writer(&db);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let queued = tokio::spawn({
        let db = db.clone();
        async move { insert(&db, 5).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    // The held write's row is written but not committed: another process cannot see it (if
    // this one died now, it would be gone), and neither write has been answered.
    let other = outsider(&db);
    assert!(!outsider_sees(&other, 0));
    assert!(!held.is_finished());
    assert!(!queued.is_finished());
    release.send(()).expect("release");
    held.await.expect("task").expect("held");
    queued.await.expect("task").expect("queued");
    // Answered: committed, so a fresh connection sees both rows.
    let other = outsider(&db);
    assert!(outsider_sees(&other, 0));
    assert!(outsider_sees(&other, 5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_run_beside_a_long_write_and_see_the_last_commit() {
    let db = db_with_table().await;
    insert(&db, 1).await.expect("committed");
    let (release, held) = hold_writer(&db);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = Instant::now();
    let reads: Vec<_> = (0..8)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(async move { keys(&db).await })
        })
        .collect();
    for r in reads {
        assert_eq!(r.await.expect("task"), vec![1]);
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "reads waited for the writer"
    );
    assert!(
        !held.is_finished(),
        "the write was still open during the reads"
    );
    release.send(()).expect("release");
    held.await.expect("task").expect("held");
    assert_eq!(keys(&db).await, vec![0, 1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_after_an_awaited_write_sees_it() {
    let db = db_with_table().await;
    for k in 1..=200 {
        insert(&db, k).await.expect("committed");
        let seen = db
            .read(move |c| {
                Ok(
                    c.query_row("SELECT count(*) FROM t WHERE k = ?1", params![k], |r| {
                        r.get::<_, i64>(0)
                    })?,
                )
            })
            .await
            .expect("read");
        assert_eq!(seen, 1, "write {k} not visible to the next read");
    }
}

#[test]
fn the_blocking_paths_work_outside_a_runtime() {
    let db = Db::open_in_memory().expect("db");
    db.write_blocking(|tx| {
        tx.execute_batch("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)")?;
        tx.execute("INSERT INTO t (k, v) VALUES (1, 'x')", [])?;
        Ok(())
    })
    .expect("write");
    let n: i64 = db
        .read_blocking(|c| Ok(c.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?))
        .expect("read");
    assert_eq!(n, 1);
}

/// The writer never checkpoints (its commits only append to the WAL); the checkpoint thread
/// copies the WAL into the database file on its own, while the writer goes on.
#[tokio::test]
async fn committed_writes_reach_the_database_file_without_the_writer_checkpointing() {
    let db = db_with_table().await;
    let path = db.path().expect("a file").to_owned();
    let size = || std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let before = size();
    let big = "x".repeat(4096);
    for k in 0..64 {
        let v = big.clone();
        db.write(move |tx| {
            tx.execute("INSERT INTO t (k, v) VALUES (?1, ?2)", params![k, v])?;
            Ok(())
        })
        .await
        .expect("insert");
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while size() < before + 64 * 4096 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        size() >= before + 64 * 4096,
        "the database file grew from {before} to {} bytes",
        size()
    );
    let autocheckpoint: i64 = db
        .write(|tx| Ok(tx.pragma_query_value(None, "wal_autocheckpoint", |r| r.get(0))?))
        .await
        .expect("pragma");
    assert_eq!(
        autocheckpoint, 0,
        "the writer leaves checkpoints to their thread"
    );
    assert_eq!(keys(&db).await.len(), 64);
}

/// The savepoints' statement journal lives in memory (`temp_store = MEMORY`), and still undoes
/// a write alone when the pages it must restore are far more than the 64 KiB a journal keeps
/// in memory before spilling to a file by default.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_failing_write_in_a_batch_rolls_back_alone_with_the_journal_in_memory() {
    let db = db_with_table().await;
    let temp_store: i64 = db
        .write(|tx| Ok(tx.pragma_query_value(None, "temp_store", |r| r.get(0))?))
        .await
        .expect("pragma");
    assert_eq!(temp_store, 2, "temp_store is MEMORY on the writer");
    // Rows enough to fill some hundred pages, which each later write then changes.
    db.write(|tx| {
        for k in 1..=2_000 {
            tx.execute(
                "INSERT INTO t (k, v) VALUES (?1, ?2)",
                params![k, "a".repeat(200)],
            )?;
        }
        Ok(())
    })
    .await
    .expect("rows");
    let (release, held) = hold_writer(&db);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let rewrite = |v: &'static str, fail: bool| {
        let db = db.clone();
        tokio::spawn(async move {
            db.write(move |tx| {
                tx.execute("UPDATE t SET v = ?1 WHERE k > 0", params![v.repeat(200)])?;
                if fail {
                    return Err::<(), _>(DbError::Conflict);
                }
                Ok(())
            })
            .await
        })
    };
    let first = rewrite("b", false);
    tokio::time::sleep(Duration::from_millis(20)).await;
    let failing = rewrite("c", true);
    tokio::time::sleep(Duration::from_millis(20)).await;
    release.send(()).expect("release");
    held.await.expect("task").expect("held write committed");
    first.await.expect("task").expect("first rewrite committed");
    assert!(matches!(
        failing.await.expect("task"),
        Err(DbError::Conflict)
    ));
    let values: Vec<String> = db
        .read(|c| {
            let mut stmt = c.prepare("SELECT DISTINCT v FROM t WHERE k > 0")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<Result<Vec<String>, _>>()?)
        })
        .await
        .expect("values");
    assert_eq!(
        values,
        vec!["b".repeat(200)],
        "the failed rewrite left no trace"
    );
}

/// A repeatable write that appends `v` to a table without a key (a write that ran twice
/// without a rollback between would show twice), counting its runs; `fail` makes it append
/// and then fail, `panic` append and then panic.
async fn append(
    db: &Db,
    v: &'static str,
    runs: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    fail: Option<bool>,
) -> Result<(), DbError> {
    db.write_repeatable(move |tx| {
        runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        tx.execute("INSERT INTO log (v) VALUES (?1)", params![v])?;
        match fail {
            None => Ok(()),
            Some(false) => Err(DbError::Conflict),
            Some(true) => panic!("a repeatable write that panics"),
        }
    })
    .await
}

async fn logged(db: &Db) -> Vec<String> {
    column(db, "SELECT v FROM log ORDER BY v").await
}

/// Runs the appends of `jobs` (name, fail) as one batch behind a held writer, beside a
/// plain write of key 5; returns each append's result and run count, in order.
async fn append_in_one_batch(
    db: &Db,
    jobs: &[(&'static str, Option<bool>)],
) -> Vec<(Result<(), DbError>, usize)> {
    db.write(|tx| {
        tx.execute_batch("CREATE TABLE IF NOT EXISTS log (v TEXT NOT NULL)")?;
        Ok(())
    })
    .await
    .expect("log table");
    let (release, held) = hold_writer(db);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut tasks = Vec::new();
    for &(v, fail) in jobs {
        let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let task = tokio::spawn({
            let (db, runs) = (db.clone(), runs.clone());
            async move { append(&db, v, runs, fail).await }
        });
        tasks.push((task, runs));
    }
    let plain = tokio::spawn({
        let db = db.clone();
        async move { insert(&db, 5).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    release.send(()).expect("release");
    held.await.expect("task").expect("held write committed");
    plain.await.expect("task").expect("plain write committed");
    let mut out = Vec::new();
    for (task, runs) in tasks {
        let result = task.await.expect("task");
        out.push((result, runs.load(std::sync::atomic::Ordering::SeqCst)));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeatable_writes_of_one_batch_run_once_together() {
    let db = db_with_table().await;
    let out = append_in_one_batch(&db, &[("a", None), ("b", None), ("c", None)]).await;
    for (result, runs) in &out {
        assert!(result.is_ok(), "{out:?}");
        assert_eq!(
            *runs, 1,
            "a write that succeeded together is not run again: {out:?}"
        );
    }
    assert_eq!(logged(&db).await, ["a", "b", "c"]);
    assert_eq!(keys(&db).await, vec![0, 5]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_repeatable_write_fails_alone_and_the_others_are_written_once() {
    let db = db_with_table().await;
    let out = append_in_one_batch(
        &db,
        &[("a", None), ("b", Some(false)), ("c", None), ("d", None)],
    )
    .await;
    assert!(matches!(out[1].0, Err(DbError::Conflict)), "{out:?}");
    for i in [0, 2, 3] {
        assert!(out[i].0.is_ok(), "{out:?}");
        assert!((1..=2).contains(&out[i].1), "{out:?}");
    }
    // Each kept write shows once although some ran twice: the first runs were rolled back.
    assert_eq!(logged(&db).await, ["a", "c", "d"]);
    assert_eq!(keys(&db).await, vec![0, 5]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_repeatable_write_fails_alone() {
    let db = db_with_table().await;
    let out = append_in_one_batch(&db, &[("a", None), ("b", Some(true)), ("c", None)]).await;
    assert!(out[1].0.is_err(), "{out:?}");
    assert!(out[0].0.is_ok() && out[2].0.is_ok(), "{out:?}");
    assert_eq!(logged(&db).await, ["a", "c"]);
    // The writer is still there.
    insert(&db, 9).await.expect("later write");
}

/// Counts the timings recorded into it.
#[derive(Default)]
struct Timings(std::sync::Mutex<Vec<turno_core::ports::Timing>>);

impl turno_core::ports::Metrics for Timings {
    fn count(&self, _: turno_core::ports::Counter, _: Option<&str>, _: u64) {}
    fn time(&self, timing: turno_core::ports::Timing, _: Option<&str>, _: Duration) {
        self.0.lock().expect("lock").push(timing);
    }
}

#[tokio::test]
async fn an_observed_database_times_its_commits_and_checkpoints() {
    use turno_core::ports::Timing;
    let dir = tempfile::tempdir().expect("dir");
    let timings = std::sync::Arc::new(Timings::default());
    let db = Db::open_observed(&dir.path().join("t.db"), timings.clone()).expect("db");
    let seen = |t: Timing| {
        timings
            .0
            .lock()
            .expect("lock")
            .iter()
            .filter(|x| **x == t)
            .count()
    };
    let commits_before = seen(Timing::StoreCommit);

    db.write(|tx| {
        tx.execute_batch("CREATE TABLE t (k INTEGER PRIMARY KEY)")?;
        Ok(())
    })
    .await
    .expect("write");

    // The commit is timed just after its writes are answered, the checkpoints every 250 ms.
    let timed = || seen(Timing::StoreCommit) > commits_before && seen(Timing::StoreCheckpoint) > 0;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !timed() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        seen(Timing::StoreCommit) > commits_before,
        "the commit was not timed"
    );
    assert!(seen(Timing::StoreCheckpoint) > 0, "no checkpoint was timed");
}

#[tokio::test]
async fn a_keyed_read_that_panics_is_an_error_and_the_next_read_works() {
    let db = db_with_table().await;
    insert(&db, 1).await.expect("insert");
    let panicked = db
        .read_keyed(|_| -> Result<(), DbError> { panic!("a read gone wrong") })
        .await;
    assert!(panicked.is_err());
    let read = db.read_keyed(|c| Ok(c.query_row("SELECT k FROM t", [], |r| r.get::<_, i64>(0))?));
    assert_eq!(read.await.expect("read"), 1);
}

#[tokio::test]
async fn a_database_at_an_older_schema_keeps_its_jobs_and_reads_customers_from_ungrouped_ones() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("old.db");
    {
        // A database as the build before migration 11 left it, with a customer's inbound
        // message (grouped) and a timer naming them outside any group.
        let mut conn = Connection::open(&path).expect("open");
        let tx = conn.transaction().expect("tx");
        for sql in &super::MIGRATIONS[..10] {
            tx.execute_batch(sql).expect("migration");
        }
        tx.pragma_update(None, "user_version", 10).expect("version");
        let body = r#"{"workspace":"demo","customer":"34600111222"}"#;
        for grp in [Some("demo#34600111222"), None] {
            tx.execute(
                "INSERT INTO queue_messages (queue, grp, is_head, body, sent_at, visible_at)
                 VALUES ('inbound', ?1, 1, ?2, 0, 0)",
                params![grp, body],
            )
            .expect("job");
        }
        tx.commit().expect("commit");
    }
    let db = Db::open(&path).expect("migrated");
    assert_eq!(
        db.schema_version().expect("version") as usize,
        super::MIGRATIONS.len()
    );
    let customers: Vec<Option<String>> = column(
        &db,
        "SELECT customer FROM queue_messages INDEXED BY queue_messages_by_customer
         WHERE customer IS NOT NULL
         UNION ALL SELECT customer FROM queue_messages WHERE grp IS NOT NULL",
    )
    .await;
    assert_eq!(customers, [Some("34600111222".to_owned()), None]);
}
