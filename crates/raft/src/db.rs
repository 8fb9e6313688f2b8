//! Shared redb plumbing: opening a database file, running blocking redb work off the async
//! executor, error messages that name the file, and a signal for when a file is closed.

use std::fmt::Display;
use std::io;
use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;

use redb::Database;
use redb::Durability;
use redb::ReadTransaction;
use redb::ReadableDatabase;
use redb::WriteTransaction;
use tokio::sync::oneshot;

/// An open redb file. Handles are shared (`Arc`) by openraft's tasks; the file lock is released
/// when the last one is dropped, which [`Closed`] reports.
pub(crate) struct Db {
    // Field order matters: `db` must be dropped (file unlocked) before `_closed` fires.
    db: Database,
    path: PathBuf,
    _closed: oneshot::Sender<()>,
}

/// Resolves once every handle to a [`Db`] is dropped, i.e. the file can be opened again.
/// [`RaftNode::shutdown`](crate::RaftNode::shutdown) waits on it because openraft does not
/// join all of its tasks (the state-machine worker, snapshot builds) before returning.
pub(crate) type Closed = oneshot::Receiver<()>;

impl Db {
    /// Opens or creates the file. Blocking: call it via [`blocking`].
    pub(crate) fn open(path: &Path) -> io::Result<(Arc<Db>, Closed)> {
        let db = Database::create(path).map_err(|e| io_err("open", path, e))?;
        let (tx, rx) = oneshot::channel();
        let db = Db {
            db,
            path: path.to_path_buf(),
            _closed: tx,
        };
        Ok((Arc::new(db), rx))
    }

    /// Runs `f` in one write transaction committed with `durability`. Blocking.
    pub(crate) fn write<F>(&self, op: &str, durability: Durability, f: F) -> io::Result<()>
    where
        F: FnOnce(&WriteTransaction) -> Result<(), StoreError>,
    {
        let run = || -> Result<(), StoreError> {
            let mut txn = self.db.begin_write()?;
            txn.set_durability(durability)?;
            f(&txn)?;
            txn.commit()?;
            Ok(())
        };
        run().map_err(|e| self.err(op, e))
    }

    /// Runs `f` in one read transaction (a consistent view of the file). Blocking.
    pub(crate) fn read<T, F>(&self, op: &str, f: F) -> io::Result<T>
    where
        F: FnOnce(&ReadTransaction) -> Result<T, StoreError>,
    {
        let run = || -> Result<T, StoreError> {
            let txn = self.db.begin_read()?;
            f(&txn)
        };
        run().map_err(|e| self.err(op, e))
    }

    /// An `io::Error` naming this file and the failed operation. It keeps the kind of an
    /// `io::Error` raised inside the transaction (e.g. `InvalidData` for a record that cannot
    /// be decrypted).
    fn err(&self, op: &str, e: StoreError) -> io::Error {
        let kind = match &e {
            StoreError::Io(e) => e.kind(),
            StoreError::Redb(_) => io::ErrorKind::Other,
        };
        io::Error::new(kind, format!("{op} {}: {e}", self.path.display()))
    }
}

pub(crate) fn io_err(op: &str, path: &Path, e: impl Display) -> io::Error {
    io::Error::other(format!("{op} {}: {e}", path.display()))
}

/// Runs blocking redb work (fsync, page reads) on tokio's blocking pool so the raft core and
/// the application's tasks keep running meanwhile.
pub(crate) async fn blocking<T, F>(f: F) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| io::Error::other(format!("raft storage task failed: {e}")))?
}

/// Any failure inside a redb transaction; flattened to a message naming the file by
/// [`Db::err`].
#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreError {
    #[error(transparent)]
    Redb(#[from] redb::Error),
    #[error(transparent)]
    Io(#[from] io::Error),
}

// redb has one error type per operation; funnel them all through `redb::Error`.
macro_rules! redb_error_from {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                StoreError::Redb(e.into())
            }
        }
    )*};
}
redb_error_from!(
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::SetDurabilityError
);
