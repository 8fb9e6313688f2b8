//! The durable raft log (openraft `RaftLogStorage`) on redb, in `raft-log.redb`.
//!
//! Tables: `logs` maps index -> encoded entry (see codec.rs); `meta` holds the vote, the
//! committed and last-purged log ids, the node id that owns the file and, once a data key was
//! used, a key check record.
//!
//! Encryption at rest: with a data key every entry row is sealed (seal.rs), bound to its
//! index. The `meta` rows stay plaintext: they hold no application data. The key check is a
//! sealed constant, opened when the file is opened, so a wrong key fails right there, before
//! anything is written, rather than at some later read; and a log sealed with a key cannot be
//! opened without one. The first open with a key seals any plaintext rows left from before
//! (in the same transaction that stores the key check), so from then on every entry row is
//! sealed. (Bytes of the old plaintext rows may linger in redb's free pages until reused.)
//!
//! Durability: every append, vote, truncate and purge is one redb transaction committed with
//! `Durability::Immediate` (fsync) *before* openraft is told it is done, so a `kill -9` never
//! loses an acknowledged entry or vote. The committed log id is the exception, see
//! [`RaftLogStorage::save_committed`] below.

use std::fmt::Debug;
use std::io;
use std::ops::Bound;
use std::ops::RangeBounds;
use std::path::Path;
use std::sync::Arc;

use openraft::storage::IOFlushed;
use openraft::storage::RaftLogStorage;
use openraft::LogState;
use openraft::OptionalSend;
use openraft::RaftLogReader;
use redb::Durability;
use redb::ReadableTable;
use redb::TableDefinition;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::codec;
use crate::db::blocking;
use crate::db::Closed;
use crate::db::Db;
use crate::db::StoreError;
use crate::seal;
use crate::seal::Cipher;
use crate::seal::Slot;
use crate::types::Entry;
use crate::types::LogId;
use crate::types::TypeConfig;
use crate::types::Vote;

const LOGS: TableDefinition<u64, &[u8]> = TableDefinition::new("logs");
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

const KEY_NODE_ID: &str = "node_id";
const KEY_VOTE: &str = "vote";
const KEY_COMMITTED: &str = "committed";
const KEY_LAST_PURGED: &str = "last_purged";
const KEY_DATA_KEY_CHECK: &str = "data_key_check";

/// The plaintext of the key check record.
const KEY_CHECK_TEXT: &[u8] = b"shoal raft log data key";

/// Handle to the log file; cheap to clone, every clone sees the same data. It is its own
/// `LogReader` because redb read transactions are independent snapshots.
#[derive(Clone)]
pub(crate) struct LogStore {
    db: Arc<Db>,
    cipher: Cipher,
}

impl LogStore {
    /// Opens (or creates) the log file and checks it belongs to `node_id`: reusing another
    /// node's log under a different id could let two nodes vote as one. Also checks that
    /// `cipher` has the key the log is sealed with, if any (see the module docs). Blocking.
    pub(crate) fn open(
        path: &Path,
        node_id: u64,
        cipher: Cipher,
    ) -> io::Result<(LogStore, Closed)> {
        let (db, closed) = Db::open(path)?;
        let store = LogStore { db, cipher };
        // One transaction creates missing tables (so readers never miss one) and claims or
        // checks ownership of the file.
        store.db.write("initialise", Durability::Immediate, |txn| {
            txn.open_table(LOGS)?;
            let mut meta = txn.open_table(META)?;
            let owner = match meta.get(KEY_NODE_ID)? {
                Some(bytes) => Some(codec::from_json::<u64>(bytes.value())?),
                None => None,
            };
            match owner {
                Some(owner) if owner != node_id => {
                    return Err(StoreError::Io(io::Error::other(format!(
                        "the raft log belongs to node {owner}, not node {node_id}"
                    ))))
                }
                Some(_) => {}
                None => {
                    meta.insert(KEY_NODE_ID, codec::to_json(&node_id)?.as_slice())?;
                }
            }
            let check = meta.get(KEY_DATA_KEY_CHECK)?.map(|v| v.value().to_vec());
            match check {
                Some(check) => {
                    let text = store.cipher.open(Slot::KeyCheck, &check)?;
                    if !seal::is_sealed(&check) || *text != *KEY_CHECK_TEXT {
                        return Err(StoreError::Io(io::Error::new(
                            io::ErrorKind::InvalidData,
                            "corrupted raft log data key check",
                        )));
                    }
                }
                None if store.cipher.is_enabled() => {
                    let check = store.cipher.seal(Slot::KeyCheck, KEY_CHECK_TEXT)?;
                    meta.insert(KEY_DATA_KEY_CHECK, check.as_slice())?;
                    store.seal_plaintext_entries(txn)?;
                }
                None => {}
            }
            Ok(())
        })?;
        Ok((store, closed))
    }

    /// Seals the entries stored before a data key was set. Runs once, when the key check is
    /// stored; the log holds at most a few snapshot intervals of entries. Rows that are
    /// already sealed (only possible if the key check was lost) must open with this key, or
    /// nothing is written.
    fn seal_plaintext_entries(&self, txn: &redb::WriteTransaction) -> Result<(), StoreError> {
        let mut logs = txn.open_table(LOGS)?;
        let mut plain = Vec::new();
        for row in logs.iter()? {
            let (index, bytes) = row?;
            let (index, bytes) = (index.value(), bytes.value());
            if seal::is_sealed(bytes) {
                self.cipher.open(Slot::LogEntry(index), bytes)?;
            } else {
                plain.push((index, bytes.to_vec()));
            }
        }
        if !plain.is_empty() {
            tracing::info!(
                entries = plain.len(),
                "encrypting the raft log with the data key"
            );
        }
        for (index, bytes) in plain {
            let sealed = self.cipher.seal(Slot::LogEntry(index), &bytes)?;
            logs.insert(index, sealed.as_slice())?;
        }
        Ok(())
    }

    /// Makes every earlier non-durable commit (the committed log id) durable. Blocking.
    pub(crate) fn flush(&self) -> io::Result<()> {
        self.db.write("flush", Durability::Immediate, |_| Ok(()))
    }

    fn read_meta<T: DeserializeOwned>(&self, key: &str) -> io::Result<Option<T>> {
        self.db.read(&format!("read {key} from"), |txn| {
            let table = txn.open_table(META)?;
            let value = table.get(key)?;
            match value {
                Some(bytes) => Ok(Some(codec::from_json(bytes.value())?)),
                None => Ok(None),
            }
        })
    }

    fn put_meta<T: Serialize>(
        &self,
        key: &'static str,
        value: &T,
        durability: Durability,
    ) -> io::Result<()> {
        let bytes = codec::to_json(value)?;
        self.db
            .write(&format!("write {key} to"), durability, |txn| {
                txn.open_table(META)?.insert(key, bytes.as_slice())?;
                Ok(())
            })
    }

    fn last_log_id(&self) -> io::Result<Option<LogId>> {
        self.db.read("read last entry from", |txn| {
            let table = txn.open_table(LOGS)?;
            let last = table.last()?;
            match last {
                Some((index, bytes)) => {
                    let plain = self
                        .cipher
                        .open(Slot::LogEntry(index.value()), bytes.value())?;
                    Ok(Some(codec::decode_log_id(&plain)?))
                }
                None => Ok(None),
            }
        })
    }

    fn entries(&self, range: (Bound<u64>, Bound<u64>)) -> io::Result<Vec<Entry>> {
        if range_is_empty(&range) {
            return Ok(Vec::new());
        }
        self.db.read("read entries from", |txn| {
            let table = txn.open_table(LOGS)?;
            let mut entries = Vec::new();
            for row in table.range::<u64>(range)? {
                let (index, bytes) = row?;
                let plain = self
                    .cipher
                    .open(Slot::LogEntry(index.value()), bytes.value())?;
                entries.push(codec::decode_entry(&plain)?);
            }
            Ok(entries)
        })
    }
}

/// redb's range methods panic on an inverted range (like `BTreeMap`); openraft may ask for
/// an empty one such as `5..5`.
fn range_is_empty(range: &(Bound<u64>, Bound<u64>)) -> bool {
    let start = match range.0 {
        Bound::Included(s) => s,
        Bound::Excluded(s) => match s.checked_add(1) {
            Some(s) => s,
            None => return true,
        },
        Bound::Unbounded => 0,
    };
    match range.1 {
        Bound::Included(e) => start > e,
        Bound::Excluded(e) => start >= e,
        Bound::Unbounded => false,
    }
}

impl RaftLogReader<TypeConfig> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + OptionalSend>(
        &mut self,
        range: RB,
    ) -> io::Result<Vec<Entry>> {
        let range = (range.start_bound().cloned(), range.end_bound().cloned());
        let store = self.clone();
        blocking(move || store.entries(range)).await
    }

    async fn read_vote(&mut self) -> io::Result<Option<Vote>> {
        let store = self.clone();
        blocking(move || store.read_meta(KEY_VOTE)).await
    }
}

impl RaftLogStorage<TypeConfig> for LogStore {
    type LogReader = LogStore;

    async fn get_log_state(&mut self) -> io::Result<LogState<TypeConfig>> {
        let store = self.clone();
        blocking(move || {
            let last_purged_log_id: Option<LogId> = store.read_meta(KEY_LAST_PURGED)?;
            // With every entry purged, the last log id is the last purged one.
            let last_log_id = store.last_log_id()?.or(last_purged_log_id);
            Ok(LogState {
                last_purged_log_id,
                last_log_id,
            })
        })
        .await
    }

    async fn get_log_reader(&mut self) -> LogStore {
        self.clone()
    }

    async fn save_vote(&mut self, vote: &Vote) -> io::Result<()> {
        let store = self.clone();
        let vote = *vote;
        blocking(move || store.put_meta(KEY_VOTE, &vote, Durability::Immediate)).await
    }

    /// Saved without fsync: openraft calls this after every apply batch, and an fsync here
    /// would double the cost of each proposal. redb makes a non-durable commit durable with
    /// the next durable one (the next append or vote), and shutdown flushes it. Losing the
    /// latest value in a crash is safe: it only ever names entries that are already durable
    /// (appends fsync before returning), so a restart re-applies a bit less from the log, and
    /// the first election of the new term re-commits and applies the rest.
    async fn save_committed(&mut self, committed: Option<LogId>) -> io::Result<()> {
        let store = self.clone();
        blocking(move || store.put_meta(KEY_COMMITTED, &committed, Durability::None)).await
    }

    async fn read_committed(&mut self) -> io::Result<Option<LogId>> {
        let store = self.clone();
        blocking(move || Ok(store.read_meta::<Option<LogId>>(KEY_COMMITTED)?.flatten())).await
    }

    /// Writes and fsyncs the entries before returning, then signals `callback`: openraft may
    /// count an entry towards a quorum as soon as the callback fires.
    async fn append<I>(&mut self, entries: I, callback: IOFlushed<TypeConfig>) -> io::Result<()>
    where
        I: IntoIterator<Item = Entry> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        // Encoded and sealed on the blocking pool too, through one reused buffer.
        let entries: Vec<Entry> = entries.into_iter().collect();
        let store = self.clone();
        blocking(move || {
            let mut buf = Vec::new();
            store.db.write("append to", Durability::Immediate, |txn| {
                let mut logs = txn.open_table(LOGS)?;
                for entry in &entries {
                    let index = entry.log_id.index;
                    store
                        .cipher
                        .seal_into(Slot::LogEntry(index), &mut buf, |out| {
                            codec::encode_entry_into(entry, out)
                        })?;
                    logs.insert(index, buf.as_slice())?;
                }
                Ok(())
            })
        })
        .await?;
        callback.io_completed(Ok(()));
        Ok(())
    }

    async fn truncate_after(&mut self, last_log_id: Option<LogId>) -> io::Result<()> {
        let store = self.clone();
        let from = match last_log_id {
            Some(log_id) => Bound::Excluded(log_id.index),
            None => Bound::Unbounded,
        };
        blocking(move || {
            store.db.write("truncate", Durability::Immediate, |txn| {
                txn.open_table(LOGS)?
                    .retain_in::<u64, _>((from, Bound::Unbounded), |_, _| false)?;
                Ok(())
            })
        })
        .await
    }

    /// Records the purge point and deletes the entries in one transaction, so the stored
    /// range `(last_purged, last]` never has a hole.
    async fn purge(&mut self, log_id: LogId) -> io::Result<()> {
        let store = self.clone();
        blocking(move || {
            let purged = codec::to_json(&log_id)?;
            store.db.write("purge", Durability::Immediate, |txn| {
                txn.open_table(META)?
                    .insert(KEY_LAST_PURGED, purged.as_slice())?;
                txn.open_table(LOGS)?
                    .retain_in::<u64, _>(..=log_id.index, |_, _| false)?;
                Ok(())
            })
        })
        .await
    }
}
