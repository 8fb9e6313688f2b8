//! Shared test fixtures: a tiny deterministic key-value state machine, node helpers, and
//! read-only probes of the on-disk files.

#![allow(dead_code)] // each test binary uses a different subset

use std::collections::BTreeMap;
use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

use redb::ReadableDatabase;
use redb::ReadableTableMetadata;
use redb::TableDefinition;
use serde::Deserialize;
use serde::Serialize;
use shoal_raft::RaftConfig;
use shoal_raft::RaftNode;
use shoal_raft::StateMachine;

pub const NODE_ID: u64 = 1;
pub const ADDR: &str = "127.0.0.1:4242";
pub const DEADLINE: Duration = Duration::from_secs(20);

#[derive(Serialize, Deserialize)]
pub struct Set {
    pub key: String,
    pub value: String,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    pub index: u64,
    pub previous: Option<String>,
}

/// A key-value map; every command sets one key and replies with the previous value.
#[derive(Default)]
pub struct Kv {
    inner: Mutex<KvInner>,
}

#[derive(Default)]
struct KvInner {
    map: BTreeMap<String, String>,
    /// Commands applied by this instance (not counting those restored from a snapshot).
    applies: u64,
    restores: u64,
}

impl Kv {
    pub fn get(&self, key: &str) -> Option<String> {
        self.inner.lock().unwrap().map.get(key).cloned()
    }
    pub fn len(&self) -> usize {
        self.inner.lock().unwrap().map.len()
    }
    pub fn applies(&self) -> u64 {
        self.inner.lock().unwrap().applies
    }
    pub fn restores(&self) -> u64 {
        self.inner.lock().unwrap().restores
    }
}

impl StateMachine for Kv {
    fn apply(&self, index: u64, command: &[u8]) -> Vec<u8> {
        let set: Set = serde_json::from_slice(command).expect("test command");
        let mut inner = self.inner.lock().unwrap();
        inner.applies += 1;
        let previous = inner.map.insert(set.key, set.value);
        serde_json::to_vec(&Reply { index, previous }).unwrap()
    }

    fn snapshot(&self) -> Vec<u8> {
        serde_json::to_vec(&self.inner.lock().unwrap().map).unwrap()
    }

    fn restore(&self, snapshot: &[u8]) {
        let mut inner = self.inner.lock().unwrap();
        inner.map = serde_json::from_slice(snapshot).expect("test snapshot");
        inner.restores += 1;
    }
}

pub fn set(key: impl Into<String>, value: impl Into<String>) -> Vec<u8> {
    serde_json::to_vec(&Set {
        key: key.into(),
        value: value.into(),
    })
    .unwrap()
}

pub fn config(dir: &Path, snapshot_every: u64) -> RaftConfig {
    RaftConfig {
        snapshot_every,
        ..RaftConfig::new(dir, NODE_ID, ADDR)
    }
}

pub async fn open(dir: &Path, snapshot_every: u64) -> (RaftNode, Arc<Kv>) {
    let kv = Arc::new(Kv::default());
    let node = RaftNode::open(config(dir, snapshot_every), kv.clone())
        .await
        .expect("open raft node");
    (node, kv)
}

/// Proposes `set key=value` and decodes the reply.
pub async fn put(node: &RaftNode, key: &str, value: &str) -> Reply {
    let bytes = node.propose(set(key, value)).await.expect("propose");
    serde_json::from_slice(&bytes).expect("reply")
}

/// Awaits `fut`, failing the test if it does not finish within [`DEADLINE`].
pub async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(DEADLINE, fut)
        .await
        .unwrap_or_else(|_| panic!("timed out after {DEADLINE:?} waiting for {what}"))
}

const LOGS: TableDefinition<u64, &[u8]> = TableDefinition::new("logs");
const SNAPSHOT: TableDefinition<&str, &[u8]> = TableDefinition::new("snapshot");

/// Number of entries in `raft-log.redb`; the node must be shut down.
pub fn log_rows(dir: &Path) -> u64 {
    let db = redb::Database::open(dir.join("raft-log.redb")).expect("open log file");
    let txn = db.begin_read().unwrap();
    txn.open_table(LOGS).unwrap().len().unwrap()
}

/// Last log index covered by the stored snapshot; the node must be shut down.
pub fn snapshot_index(dir: &Path) -> Option<u64> {
    let db = redb::Database::open(dir.join("raft-snapshot.redb")).expect("open snapshot file");
    let txn = db.begin_read().unwrap();
    let table = txn.open_table(SNAPSHOT).unwrap();
    let meta = table.get("meta").unwrap()?;
    let meta: serde_json::Value = serde_json::from_slice(meta.value()).unwrap();
    meta["last_log_id"]["index"].as_u64()
}

/// Every row of `raft-log.redb`'s entry table, as stored; the node must be shut down.
pub fn log_values(dir: &Path) -> Vec<Vec<u8>> {
    use redb::ReadableTable;
    let db = redb::Database::open(dir.join("raft-log.redb")).expect("open log file");
    let txn = db.begin_read().unwrap();
    let table = txn.open_table(LOGS).unwrap();
    let rows = table.iter().unwrap();
    rows.map(|row| row.unwrap().1.value().to_vec()).collect()
}

/// The row names in `raft-snapshot.redb`; the node must be shut down.
pub fn snapshot_keys(dir: &Path) -> Vec<String> {
    use redb::ReadableTable;
    let db = redb::Database::open(dir.join("raft-snapshot.redb")).expect("open snapshot file");
    let txn = db.begin_read().unwrap();
    let table = txn.open_table(SNAPSHOT).unwrap();
    let rows = table.iter().unwrap();
    rows.map(|row| row.unwrap().0.value().to_string()).collect()
}
