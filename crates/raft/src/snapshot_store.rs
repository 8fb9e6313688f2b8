//! The latest state-machine snapshot, durable in `raft-snapshot.redb`.
//!
//! Why redb rather than a plain file renamed into place: meta and data are replaced together
//! in one checksummed, fsynced transaction, with no hand-written temp-file/fsync/rename/
//! fsync-dir sequence to get wrong. Why a separate file from the log: redb allows one writer
//! per file, so writing a large snapshot never stalls log appends, and the log file stays
//! small.
//!
//! Encryption at rest: with a data key the data is sealed (seal.rs), bound to the stored meta
//! bytes, and kept under its own row, `sealed_data`, instead of `data`: the data is opaque
//! application bytes that could start with anything, so the row name, not a magic byte, says
//! whether it is sealed. The meta (last log id, membership) stays plaintext. A snapshot stored
//! before a key was set is sealed the first time the file is opened with one.

use std::io;
use std::path::Path;
use std::sync::Arc;

use redb::Durability;
use redb::ReadableTable;
use redb::TableDefinition;

use crate::codec;
use crate::db::Closed;
use crate::db::Db;
use crate::seal;
use crate::seal::Cipher;
use crate::seal::Slot;
use crate::types::SnapshotData;
use crate::types::SnapshotMeta;

const SNAPSHOT: TableDefinition<&str, &[u8]> = TableDefinition::new("snapshot");
const KEY_META: &str = "meta";
/// Plaintext data (no data key).
const KEY_DATA: &str = "data";
/// Data sealed with the data key.
const KEY_SEALED_DATA: &str = "sealed_data";

/// Handle to the snapshot file; cheap to clone.
#[derive(Clone)]
pub(crate) struct SnapshotStore {
    db: Arc<Db>,
    cipher: Cipher,
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
    /// Opens (or creates) the snapshot file, sealing a plaintext snapshot if `cipher` has a
    /// key. Blocking.
    pub(crate) fn open(path: &Path, cipher: Cipher) -> io::Result<(SnapshotStore, Closed)> {
        let (db, closed) = Db::open(path)?;
        db.write("initialise", Durability::Immediate, |txn| {
            let mut table = txn.open_table(SNAPSHOT)?;
            if !cipher.is_enabled() {
                return Ok(());
            }
            let plaintext = match (table.get(KEY_META)?, table.get(KEY_DATA)?) {
                (Some(meta), Some(data)) => Some((meta.value().to_vec(), data.value().to_vec())),
                _ => None,
            };
            if let Some((meta, data)) = plaintext {
                tracing::info!("encrypting the raft snapshot with the data key");
                let sealed = cipher.seal(Slot::SnapshotData { meta: &meta }, &data)?;
                table.insert(KEY_SEALED_DATA, sealed.as_slice())?;
                table.remove(KEY_DATA)?;
            }
            Ok(())
        })?;
        Ok((SnapshotStore { db, cipher }, closed))
    }

    /// The stored snapshot, if any. Blocking.
    pub(crate) fn load(&self) -> io::Result<Option<(SnapshotMeta, SnapshotData)>> {
        self.db.read("read snapshot from", |txn| {
            let table = txn.open_table(SNAPSHOT)?;
            let Some(meta) = table.get(KEY_META)? else {
                return Ok(None);
            };
            let slot = Slot::SnapshotData { meta: meta.value() };
            // Not `Cipher::open` for plaintext data: it could start with the magic byte.
            let data = match (table.get(KEY_SEALED_DATA)?, table.get(KEY_DATA)?) {
                (Some(_), _) if !self.cipher.is_enabled() => {
                    return Err(seal::sealed_without_key(slot).into())
                }
                (Some(sealed), _) => self.cipher.open(slot, sealed.value())?.into_owned(),
                (None, Some(_)) if self.cipher.is_enabled() => {
                    return Err(seal::plaintext_with_key(slot).into())
                }
                (None, Some(data)) => data.value().to_vec(),
                (None, None) => return Ok(None),
            };
            Ok(Some((codec::from_json(meta.value())?, data)))
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
        // Sealed outside the write transaction: a large snapshot does not hold the lock longer.
        let sealed = if self.cipher.is_enabled() {
            self.cipher
                .seal(Slot::SnapshotData { meta: &meta_bytes }, data)?
        } else {
            Vec::new()
        };
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
                if self.cipher.is_enabled() {
                    table.insert(KEY_SEALED_DATA, sealed.as_slice())?;
                    table.remove(KEY_DATA)?;
                } else {
                    table.insert(KEY_DATA, data)?;
                    table.remove(KEY_SEALED_DATA)?;
                }
                stored = true;
                Ok(())
            })?;
        Ok(stored)
    }
}

#[cfg(test)]
mod tests {
    use openraft::impls::leader_id_adv::LeaderId;

    use super::*;
    use crate::types::LogId;

    const SECRET: &[u8] = b"very-secret-value-123";

    fn meta(index: u64) -> SnapshotMeta {
        SnapshotMeta {
            last_log_id: Some(LogId {
                leader_id: LeaderId {
                    term: 1,
                    node_id: 1,
                },
                index,
            }),
            last_membership: Default::default(),
        }
    }

    fn open(dir: &Path, key: Option<&[u8; 32]>) -> SnapshotStore {
        SnapshotStore::open(&dir.join("snap.redb"), Cipher::new(key))
            .expect("open")
            .0
    }

    fn raw(store: &SnapshotStore, key: &str) -> Option<Vec<u8>> {
        store
            .db
            .read("test", |txn| {
                let table = txn.open_table(SNAPSHOT)?;
                Ok(table.get(key)?.map(|v| v.value().to_vec()))
            })
            .unwrap()
    }

    fn write_raw(store: &SnapshotStore, key: &str, value: &[u8]) {
        store
            .db
            .write("test", Durability::Immediate, |txn| {
                txn.open_table(SNAPSHOT)?.insert(key, value)?;
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn sealed_snapshot_needs_its_key_and_its_meta() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path(), Some(&[1; 32]));
        assert!(store.save(&meta(5), SECRET, Replace::Always).unwrap());
        assert_eq!(raw(&store, KEY_DATA), None);
        let sealed = raw(&store, KEY_SEALED_DATA).expect("sealed row");
        assert!(!sealed.windows(SECRET.len()).any(|w| w == SECRET));
        assert_eq!(store.load().unwrap(), Some((meta(5), SECRET.to_vec())));

        // Meta edited on disk: the data no longer opens.
        write_raw(&store, KEY_META, &codec::to_json(&meta(6)).unwrap());
        let err = store.load().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(
            err.to_string()
                .contains("cannot decrypt raft snapshot data: wrong data key or corrupted file"),
            "{err}"
        );
        drop(store);

        let store = open(dir.path(), Some(&[2; 32]));
        write_raw(&store, KEY_META, &codec::to_json(&meta(5)).unwrap());
        assert!(store.load().is_err(), "wrong key");
        drop(store);
        let err = open(dir.path(), None).load().unwrap_err();
        assert!(err.to_string().contains("no raft data key"), "{err}");
        let store = open(dir.path(), Some(&[1; 32]));
        assert!(store.load().unwrap().is_some());

        // Plaintext data planted next to a sealed snapshot is refused.
        store
            .db
            .write("test", Durability::Immediate, |txn| {
                let mut table = txn.open_table(SNAPSHOT)?;
                table.remove(KEY_SEALED_DATA)?;
                table.insert(KEY_DATA, b"planted".as_slice())?;
                Ok(())
            })
            .unwrap();
        let err = store.load().unwrap_err();
        assert!(err.to_string().contains("is not encrypted"), "{err}");
    }

    #[test]
    fn plaintext_data_may_start_with_the_magic_byte() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path(), None);
        let data = [crate::seal::MAGIC, 1, 2, 3];
        assert!(store.save(&meta(5), &data, Replace::Always).unwrap());
        assert_eq!(store.load().unwrap(), Some((meta(5), data.to_vec())));
        drop(store);
        let store = open(dir.path(), Some(&[1; 32]));
        assert_eq!(store.load().unwrap(), Some((meta(5), data.to_vec())));
    }

    #[test]
    fn plaintext_snapshot_is_sealed_once_a_key_is_set() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path(), None);
        assert!(store.save(&meta(5), SECRET, Replace::Always).unwrap());
        assert_eq!(raw(&store, KEY_DATA).as_deref(), Some(SECRET));
        drop(store);

        let store = open(dir.path(), Some(&[1; 32]));
        assert_eq!(raw(&store, KEY_DATA), None);
        assert!(raw(&store, KEY_SEALED_DATA).is_some());
        assert_eq!(store.load().unwrap(), Some((meta(5), SECRET.to_vec())));
        // A newer snapshot replaces it, still sealed.
        assert!(store.save(&meta(9), b"newer", Replace::IfNewer).unwrap());
        assert!(!store.save(&meta(7), b"older", Replace::IfNewer).unwrap());
        assert_eq!(raw(&store, KEY_DATA), None);
        assert_eq!(store.load().unwrap(), Some((meta(9), b"newer".to_vec())));
    }
}
