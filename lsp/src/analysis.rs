//! The salsa database behind the server, and the rules that keep typing fast: one writer thread
//! owns the database and applies changes strictly in the order they arrived; every query runs
//! on a clone of it, off the async runtime (`spawn_blocking`) and inside `Cancelled::catch`.
//! Setting an input cancels the queries running on clones, so a newer edit never waits for an
//! older query to finish, and only what the edit touched is recomputed afterwards.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use tower_lsp_server::jsonrpc;
use virtc::db::Database;

/// A change to the inputs, made by the writer thread.
#[derive(Debug)]
pub enum Change {
    /// An editor buffer's text (on open and on every edit).
    Set { path: PathBuf, text: Arc<String> },
    /// The buffer was closed or the file changed on disk: the file's text is the disk's again.
    Reload { path: PathBuf },
}

/// Why a query gave no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryError {
    /// A newer change cancelled it.
    Cancelled,
    /// It panicked (a bug; the server carries on).
    Panicked,
}

impl From<QueryError> for jsonrpc::Error {
    fn from(e: QueryError) -> jsonrpc::Error {
        match e {
            QueryError::Cancelled => jsonrpc::Error::content_modified(),
            QueryError::Panicked => jsonrpc::Error::internal_error(),
        }
    }
}

#[derive(Debug)]
pub struct Analysis {
    inner: Arc<Inner>,
}

struct Inner {
    master: Mutex<Database>,
    /// The last change applied to `master`.
    applied: Mutex<u64>,
    caught_up: Condvar,
    changes: Mutex<Option<mpsc::Sender<(u64, Change)>>>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("applied", &self.applied)
            .finish_non_exhaustive()
    }
}

/// Locks, ignoring poisoning: a panicking query must not take the server down with it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Analysis {
    /// Starts the writer thread. `on_applied(seq)` runs after each batch of changes, on the
    /// writer thread: it must not block.
    pub fn new(db: Database, on_applied: impl Fn(u64) + Send + 'static) -> Analysis {
        let (tx, rx) = mpsc::channel::<(u64, Change)>();
        let inner = Arc::new(Inner {
            master: Mutex::new(db),
            applied: Mutex::new(0),
            caught_up: Condvar::new(),
            changes: Mutex::new(Some(tx)),
        });
        let writer = Arc::downgrade(&inner);
        std::thread::Builder::new()
            .name("virtc-lsp-writer".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let Some(inner) = writer.upgrade() else { break };
                    // Everything that arrived meanwhile goes in one new revision.
                    let batch: Vec<_> = std::iter::once(first).chain(rx.try_iter()).collect();
                    let last = batch.last().map_or(0, |(seq, _)| *seq);
                    {
                        // Blocks until the queries running on clones have unwound.
                        let mut db = lock(&inner.master);
                        for (_, change) in batch {
                            apply(&mut db, change);
                        }
                    }
                    *lock(&inner.applied) = last;
                    inner.caught_up.notify_all();
                    on_applied(last);
                }
            })
            .expect("the writer thread starts");
        Analysis { inner }
    }

    /// Queues a change; `seq` orders it (changes are applied in the order they are submitted).
    pub fn submit(&self, seq: u64, change: Change) {
        if let Some(tx) = lock(&self.inner.changes).as_ref() {
            let _ = tx.send((seq, change));
        }
    }

    /// Stops the writer thread once it has applied what was submitted.
    pub fn stop(&self) {
        lock(&self.inner.changes).take();
    }

    /// Runs `f` on a snapshot that has every change up to `seq`, on a blocking thread.
    pub async fn query<T: Send + 'static>(
        &self,
        seq: u64,
        f: impl FnOnce(&Database) -> T + Send + 'static,
    ) -> Result<T, QueryError> {
        let inner = self.inner.clone();
        let task = tokio::task::spawn_blocking(move || {
            let db = inner.snapshot(seq);
            salsa::Cancelled::catch(AssertUnwindSafe(|| f(&db)))
        });
        match task.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(_)) => Err(QueryError::Cancelled),
            Err(_) => Err(QueryError::Panicked),
        }
    }

    /// A snapshot for synchronous callers (tests and benchmarks).
    pub fn snapshot(&self, seq: u64) -> Database {
        self.inner.snapshot(seq)
    }
}

impl Inner {
    /// A clone of the database once it has caught up with change `seq`. Never waits forever:
    /// after a while a snapshot without the latest change beats no answer.
    fn snapshot(&self, seq: u64) -> Database {
        let mut applied = lock(&self.applied);
        let mut waited = Duration::ZERO;
        while *applied < seq && waited < Duration::from_secs(10) {
            let step = Duration::from_millis(100);
            applied = self
                .caught_up
                .wait_timeout(applied, step)
                .unwrap_or_else(|e| e.into_inner())
                .0;
            waited += step;
        }
        drop(applied);
        lock(&self.master).clone()
    }
}

fn apply(db: &mut Database, change: Change) {
    match change {
        Change::Set { path, text } => {
            db.set_file(&path, String::clone(&text));
        }
        Change::Reload { path } => {
            // A file that cannot be read keeps its last text: its `use`rs still see it.
            if let Ok(text) = std::fs::read_to_string(&path) {
                db.set_file(&path, text);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};

    use salsa::Database as _;
    use virtc::db::Db;

    use super::*;

    fn set(text: &str) -> Change {
        Change::Set {
            path: "/virt/a.virt".into(),
            text: Arc::new(text.into()),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_change_cancels_a_running_query_and_is_applied() {
        let (applied_tx, applied) = mpsc::channel();
        let analysis = Arc::new(Analysis::new(Database::default(), move |seq| {
            let _ = applied_tx.send(seq);
        }));
        analysis.submit(1, set("allow random;\n"));
        assert_eq!(applied.recv().unwrap(), 1);
        // A query that would run forever, checking for cancellation as salsa queries do.
        let started = Arc::new(AtomicBool::new(false));
        let running = {
            let analysis = analysis.clone();
            let started = started.clone();
            tokio::spawn(async move {
                analysis
                    .query(1, move |db| {
                        started.store(true, Ordering::SeqCst);
                        loop {
                            db.unwind_if_revision_cancelled();
                            std::thread::sleep(Duration::from_millis(1));
                        }
                    })
                    .await
            })
        };
        while !started.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        analysis.submit(2, set("deny random;\n"));
        let outcome: std::result::Result<(), QueryError> = running.await.unwrap();
        assert_eq!(outcome, Err(QueryError::Cancelled));
        assert_eq!(applied.recv().unwrap(), 2);
        let text = analysis
            .query(2, |db| {
                let file = db.load(std::path::Path::new("/virt/a.virt")).unwrap();
                file.text(db).clone()
            })
            .await
            .unwrap();
        assert_eq!(text, "deny random;\n");
    }

    #[tokio::test]
    async fn a_panicking_query_is_an_error_not_a_crash() {
        let analysis = Analysis::new(Database::default(), |_| {});
        let outcome = analysis.query(0, |_| panic!("a bug")).await;
        assert_eq!(outcome.map(|_: ()| ()), Err(QueryError::Panicked));
        assert_eq!(analysis.query(0, |_| 42).await, Ok(42));
    }
}
