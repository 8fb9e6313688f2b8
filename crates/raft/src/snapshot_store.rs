//! The latest state-machine snapshot, durable in `raft-snapshot.redb`.
//!
//! Why redb rather than a plain file renamed into place: meta and data are replaced together
//! in one checksummed, fsynced transaction, with no hand-written temp-file/fsync/rename/
//! fsync-dir sequence to get wrong. Why a separate file from the log: redb allows one writer
//! per file, so writing a large snapshot never stalls log appends, and the log file stays
//! small.

use std::io;
use std::path::Path;
use std::sync::Arc;

use redb::Durability;
use redb::ReadableTable;
use redb::TableDefinition;

use crate::codec;
use crate::db::Closed;
use crate::db::Db;
use crate::types::SnapshotData;
use crate::types::SnapshotMeta;

const SNAPSHOT: TableDefinition<&str, &[u8]> = TableDefinition::new("snapshot");
const KEY_META: &str = "meta";
const KEY_DATA: &str = "data";

/// Handle to the snapshot file; cheap to clone.
#[derive(Clone)]
pub(crate) struct SnapshotStore {
    db: Arc<Db>,
}

/// Whether [`SnapshotStore::save`] may replace a snapshot that is at least as new.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Replace {
    /// A locally built snapshot: a concurrent install may already have stored a newer one.
    IfNewer,
    /// A snapshot installed from the leader replaces whatever is stored.
    Always,
}

impl SnapshotStore {
    /// Opens (or creates) the snapshot file. Blocking.
    pub(crate) fn open(path: &Path) -> io::Result<(SnapshotStore, Closed)> {
        let (db, closed) = Db::open(path)?;
        db.write("initialise", Durability::Immediate, |txn| {
            txn.open_table(SNAPSHOT)?;
            Ok(())
        })?;
        Ok((SnapshotStore { db }, closed))
    }

    /// The stored snapshot, if any. Blocking.
    pub(crate) fn load(&self) -> io::Result<Option<(SnapshotMeta, SnapshotData)>> {
        self.db.read("read snapshot from", |txn| {
            let table = txn.open_table(SNAPSHOT)?;
            let meta = table.get(KEY_META)?;
            let data = table.get(KEY_DATA)?;
            match (meta, data) {
                (Some(meta), Some(data)) => Ok(Some((
                    codec::from_json(meta.value())?,
                    data.value().to_vec(),
                ))),
                _ => Ok(None),
            }
        })
    }

    /// Durably stores the snapshot, replacing the previous one atomically. Returns whether it
    /// was stored. Blocking.
    pub(crate) fn save(
        &self,
        meta: &SnapshotMeta,
        data: &[u8],
        replace: Replace,
    ) -> io::Result<bool> {
        let meta_bytes = codec::to_json(meta)?;
        let mut stored = false;
        self.db
            .write("write snapshot to", Durability::Immediate, |txn| {
                let mut table = txn.open_table(SNAPSHOT)?;
                if replace == Replace::IfNewer {
                    let current = match table.get(KEY_META)? {
                        Some(bytes) => Some(codec::from_json::<SnapshotMeta>(bytes.value())?),
                        None => None,
                    };
                    if current.is_some_and(|c| c.last_log_id >= meta.last_log_id) {
                        return Ok(());
                    }
                }
                table.insert(KEY_META, meta_bytes.as_slice())?;
                table.insert(KEY_DATA, data)?;
                stored = true;
                Ok(())
            })?;
        Ok(stored)
    }
}
