//! Group commit. SQLite has one writer at a time and, with `synchronous = FULL`,
//! one fsync per commit; on PostgreSQL the writes of one business number line up
//! behind its lock (`Write::lock_number`), each holding it through its commit's
//! fsync. Committed one by one, writes wait on the disk, not on the work. Here
//! every write transaction runs on one writer connection (SQLite's only one; one
//! per business number on PostgreSQL) as a savepoint of a transaction that stays
//! open, and a committer commits whatever is done each time it gets the
//! connection: one fsync for every request that finished meanwhile. `Write::commit` returns only after
//! that commit, so nothing is acknowledged before it is durable; a failed commit
//! fails every write of its group, none of which was acknowledged.
//!
//! Writes stay serialised as before (one at a time, in the order they asked for
//! the connection), so the per-number decisions keep their order. A write that
//! is dropped without commit or rollback (an error, a cancelled request) is
//! undone by whoever takes the connection next.

use sqlx::any::AnyConnectOptions;
use sqlx::{AnyConnection, ConnectOptions, Connection, Executor};
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::{Mutex, Notify, OwnedMutexGuard, oneshot};

/// As long as a write waits for the writer before it gives up, like SQLite's
/// busy timeout on the pool's connections.
const PATIENCE: Duration = Duration::from_secs(10);

/// What one group's commit said, to each of its writes.
type Outcome = Result<(), String>;

/// What the open transaction holds, taken as it begins.
#[derive(Clone)]
pub(super) enum Hold {
    /// SQLite's write lock (`BEGIN IMMEDIATE`).
    SqliteWriteLock,
    /// A business number's row lock on PostgreSQL (`Write::lock_number`).
    Number(String),
}

pub(super) struct Writer {
    /// The writer's own connection, outside the pool: a write never waits for
    /// a pool connection that readers hold.
    options: AnyConnectOptions,
    hold: Hold,
    /// Where the connection is opened: see `Db::spawn`.
    runtime: tokio::runtime::Handle,
    state: Arc<Mutex<State>>,
    /// Rung by each write that waits for a commit.
    pending: Arc<Notify>,
}

#[derive(Default)]
pub(super) struct State {
    conn: Option<AnyConnection>,
    /// `BEGIN IMMEDIATE` issued and not yet committed.
    open: bool,
    /// A write's savepoint is open: its owner is gone if the lock is free.
    in_savepoint: bool,
    waiting: Vec<oneshot::Sender<Outcome>>,
}

impl Writer {
    pub(super) fn new(
        runtime: &tokio::runtime::Handle,
        options: AnyConnectOptions,
        hold: Hold,
    ) -> Arc<Self> {
        let writer = Arc::new(Self {
            options,
            hold,
            runtime: runtime.clone(),
            state: Arc::new(Mutex::new(State::default())),
            pending: Arc::new(Notify::new()),
        });
        runtime.spawn(committer(
            Arc::downgrade(&writer.state),
            writer.pending.clone(),
        ));
        writer
    }

    /// The writer connection, inside a savepoint of the open transaction.
    pub(super) async fn begin(self: &Arc<Self>) -> sqlx::Result<Group> {
        let Ok(mut state) = tokio::time::timeout(PATIENCE, self.state.clone().lock_owned()).await
        else {
            return Err(sqlx::Error::PoolTimedOut);
        };
        if let Err(e) = state.ready(&self.options, &self.hold, &self.runtime).await {
            state.reset(&e.to_string()).await;
            return Err(e);
        }
        if let Err(e) = state.conn().execute("SAVEPOINT w").await {
            state.reset(&e.to_string()).await;
            return Err(e);
        }
        state.in_savepoint = true;
        Ok(Group {
            state: Some(state),
            pending: self.pending.clone(),
        })
    }
}

impl State {
    fn conn(&mut self) -> &mut AnyConnection {
        self.conn
            .as_mut()
            .expect("the writer connection is taken before use")
    }

    /// The connection taken, a dropped write undone, the transaction open.
    async fn ready(
        &mut self,
        options: &AnyConnectOptions,
        hold: &Hold,
        runtime: &tokio::runtime::Handle,
    ) -> sqlx::Result<()> {
        if self.conn.is_none() {
            // Opened on the database's runtime, so its socket is driven there and
            // not by the web worker whose request happened to need it first.
            let options = options.clone();
            let mut conn = runtime
                .spawn(async move { options.connect().await })
                .await
                .map_err(|e| sqlx::Error::Io(std::io::Error::other(e)))??;
            if let Hold::SqliteWriteLock = hold {
                conn.execute(super::SQLITE_PRAGMAS).await?;
            }
            self.conn = Some(conn);
        }
        if self.in_savepoint {
            self.conn().execute("ROLLBACK TO w; RELEASE w").await?;
            self.in_savepoint = false;
        }
        if !self.open {
            match hold {
                Hold::SqliteWriteLock => {
                    self.conn().execute("BEGIN IMMEDIATE").await?;
                }
                Hold::Number(id) => {
                    self.conn().execute("BEGIN").await?;
                    self.open = true;
                    sqlx::query(super::LOCK_NUMBER)
                        .bind(id)
                        .execute(self.conn())
                        .await?;
                }
            }
            self.open = true;
        }
        Ok(())
    }

    /// Commits the open transaction and tells its writes.
    async fn commit(&mut self) {
        if !self.open {
            return;
        }
        let outcome = if self.in_savepoint {
            // The lock is ours, so that savepoint's write was dropped.
            match self.conn().execute("ROLLBACK TO w; RELEASE w").await {
                Ok(_) => {
                    self.in_savepoint = false;
                    Ok(())
                }
                Err(e) => Err(e.to_string()),
            }
        } else {
            Ok(())
        };
        let outcome = match outcome {
            Ok(()) => self
                .conn()
                .execute("COMMIT")
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        match outcome {
            Ok(()) => {
                self.open = false;
                for w in self.waiting.drain(..) {
                    let _ = w.send(Ok(()));
                }
            }
            Err(e) => self.reset(&e).await,
        }
    }

    /// After a failure: the connection closed (the database rolls back what it held),
    /// every write waiting for a commit told it failed.
    async fn reset(&mut self, why: &str) {
        if let Some(conn) = self.conn.take() {
            let _ = conn.close().await;
        }
        self.open = false;
        self.in_savepoint = false;
        for w in self.waiting.drain(..) {
            let _ = w.send(Err(why.to_owned()));
        }
    }
}

/// Commits each time writes are waiting. It queues for the connection behind
/// the writes that asked before it, so a group holds all of them.
async fn committer(state: Weak<Mutex<State>>, pending: Arc<Notify>) {
    loop {
        pending.notified().await;
        let Some(state) = state.upgrade() else {
            return;
        };
        state.lock().await.commit().await;
    }
}

/// One write: the writer connection, held until commit or rollback.
pub struct Group {
    state: Option<OwnedMutexGuard<State>>,
    pending: Arc<Notify>,
}

impl Drop for Group {
    fn drop(&mut self) {
        // Dropped while open: the committer undoes it once the lock is free, so
        // the file's write lock is not held until the next write.
        if self.state.is_some() {
            self.pending.notify_one();
        }
    }
}

impl Group {
    pub fn conn(&mut self) -> &mut AnyConnection {
        self.state
            .as_mut()
            .expect("a write is used only until it ends")
            .conn()
    }

    pub fn conn_ref(&self) -> &AnyConnection {
        self.state
            .as_ref()
            .and_then(|s| s.conn.as_ref())
            .expect("a write is used only until it ends")
    }

    /// Keeps the write, lets the next one in, and returns once a commit made it
    /// durable.
    pub async fn commit(mut self) -> sqlx::Result<()> {
        let mut state = self.state.take().expect("a write ends once");
        state.conn().execute("RELEASE w").await?;
        state.in_savepoint = false;
        let (told, done) = oneshot::channel();
        state.waiting.push(told);
        drop(state);
        self.pending.notify_one();
        match done.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(why)) => Err(sqlx::Error::Protocol(format!(
                "the group commit failed: {why}"
            ))),
            Err(_) => Err(sqlx::Error::Protocol(
                "the database writer stopped before committing".into(),
            )),
        }
    }

    pub async fn rollback(mut self) -> sqlx::Result<()> {
        let mut state = self.state.take().expect("a write ends once");
        state.conn().execute("ROLLBACK TO w; RELEASE w").await?;
        state.in_savepoint = false;
        drop(state);
        // The transaction may hold nothing else of anyone's: the committer ends
        // it, so its locks are not kept until the next write.
        self.pending.notify_one();
        Ok(())
    }
}
