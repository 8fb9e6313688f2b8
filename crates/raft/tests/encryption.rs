//! Encryption at rest with `RaftConfig::data_key`: what reaches the disk, reopening with the
//! right, a wrong or no key, and encrypting files written before a key was set.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::*;
use shoal_raft::RaftConfig;
use shoal_raft::RaftError;
use shoal_raft::RaftNode;

/// Part of every value written; must never appear in an encrypted file.
const SECRET: &str = "very-secret-value-123";
const KEY: [u8; 32] = [0x11; 32];
const OTHER_KEY: [u8; 32] = [0x22; 32];
/// Small, so the writes below leave both a snapshot and a log tail.
const EVERY: u64 = 10;
const WRITES: usize = 25;
/// First byte of a sealed row (seal.rs).
const SEALED: u8 = 0xEC;

fn keyed_config(dir: &Path, data_key: Option<[u8; 32]>) -> RaftConfig {
    RaftConfig {
        data_key,
        ..config(dir, EVERY)
    }
}

async fn open_keyed(
    dir: &Path,
    data_key: Option<[u8; 32]>,
) -> Result<(RaftNode, Arc<Kv>), RaftError> {
    let kv = Arc::new(Kv::default());
    let node = RaftNode::open(keyed_config(dir, data_key), kv.clone()).await?;
    Ok((node, kv))
}

fn value(i: usize) -> String {
    format!("{SECRET}-{i}")
}

/// Bootstraps a node, writes `WRITES` secrets (enough for a snapshot) and shuts it down.
async fn write_secrets(dir: &Path, data_key: Option<[u8; 32]>) {
    let (node, _) = open_keyed(dir, data_key).await.expect("open");
    within("bootstrap", node.bootstrap_single())
        .await
        .expect("bootstrap");
    for i in 0..WRITES {
        put(&node, &format!("k{i}"), &value(i)).await;
    }
    node.shutdown().await.expect("shutdown");
    assert!(snapshot_index(dir).is_some(), "a snapshot was stored");
    assert!(log_rows(dir) > 0, "entries are left in the log");
}

/// Whether the raw bytes of `file` contain the secret anywhere (live rows or free pages).
fn leaks_secret(dir: &Path, file: &str) -> bool {
    let bytes = std::fs::read(dir.join(file)).expect("read file");
    bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes())
}

/// Rows of a table keyed by name.
type NamedRows = Vec<(String, Vec<u8>)>;

/// Every row of both files: log entries, log metadata and the snapshot.
fn stored_rows(dir: &Path) -> (Vec<Vec<u8>>, NamedRows, NamedRows) {
    (
        log_values(dir),
        string_rows(&dir.join("raft-log.redb"), "meta"),
        string_rows(&dir.join("raft-snapshot.redb"), "snapshot"),
    )
}

fn string_rows(file: &Path, table: &str) -> NamedRows {
    use redb::ReadableDatabase;
    use redb::ReadableTable;
    let db = redb::Database::open(file).unwrap();
    let txn = db.begin_read().unwrap();
    let table = txn
        .open_table(redb::TableDefinition::<&str, &[u8]>::new(table))
        .unwrap();
    let rows = table.iter().unwrap();
    rows.map(|row| {
        let (k, v) = row.unwrap();
        (k.value().to_string(), v.value().to_vec())
    })
    .collect()
}

/// Reopens with `data_key` and checks every secret is back, then writes one more.
async fn assert_restored(dir: &Path, data_key: Option<[u8; 32]>) {
    let (node, kv) = open_keyed(dir, data_key).await.expect("reopen");
    assert_eq!(kv.restores(), 1, "state restored from the snapshot");
    assert_eq!(kv.len(), WRITES);
    for i in 0..WRITES {
        assert_eq!(kv.get(&format!("k{i}")), Some(value(i)));
    }
    within("bootstrap after reopen", node.bootstrap_single())
        .await
        .expect("bootstrap");
    let reply = put(&node, "k0", "after").await;
    assert_eq!(reply.previous, Some(value(0)));
    node.shutdown().await.expect("shutdown");
}

fn open_error(result: Result<(RaftNode, Arc<Kv>), RaftError>) -> String {
    match result {
        Ok(_) => panic!("opened with the wrong data key"),
        Err(RaftError::Storage(msg)) => msg,
        Err(e) => panic!("expected a storage error, got {e:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_key_keeps_entries_and_snapshots_off_the_disk() {
    for data_key in [None, Some(KEY)] {
        let dir = tempfile::tempdir().unwrap();
        write_secrets(dir.path(), data_key).await;
        for file in ["raft-log.redb", "raft-snapshot.redb"] {
            assert_eq!(
                leaks_secret(dir.path(), file),
                data_key.is_none(),
                "{file} with data key {}",
                data_key.is_some()
            );
        }
        if data_key.is_some() {
            assert!(log_values(dir.path()).iter().all(|row| row[0] == SEALED));
            assert_eq!(snapshot_keys(dir.path()), ["meta", "sealed_data"]);
        } else {
            assert_eq!(snapshot_keys(dir.path()), ["data", "meta"]);
        }
        assert_restored(dir.path(), data_key).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encrypted_files_open_only_with_their_key() {
    let dir = tempfile::tempdir().unwrap();
    write_secrets(dir.path(), Some(KEY)).await;
    // Compared row by row: redb itself rewrites its file header on every open and close.
    let before = stored_rows(dir.path());
    let msg = open_error(open_keyed(dir.path(), Some(OTHER_KEY)).await);
    eprintln!("wrong key: {msg}");
    assert!(
        msg.contains("cannot decrypt raft log data key check: wrong data key or corrupted file"),
        "{msg}"
    );
    let msg = open_error(open_keyed(dir.path(), None).await);
    assert!(
        msg.contains("is encrypted but no raft data key is configured"),
        "{msg}"
    );
    assert!(
        stored_rows(dir.path()) == before,
        "failed opens must not change what is stored"
    );

    assert_restored(dir.path(), Some(KEY)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_fails_on_sealed_rows_even_without_the_key_check() {
    // Without the log's key check (as if it were lost), reading the sealed rows must still
    // fail clearly instead of handing garbage to openraft or the state machine.
    let dir = tempfile::tempdir().unwrap();
    write_secrets(dir.path(), Some(KEY)).await;
    {
        let db = redb::Database::open(dir.path().join("raft-log.redb")).unwrap();
        let txn = db.begin_write().unwrap();
        const META: redb::TableDefinition<&str, &[u8]> = redb::TableDefinition::new("meta");
        txn.open_table(META)
            .unwrap()
            .remove("data_key_check")
            .unwrap();
        txn.commit().unwrap();
    }
    let before = stored_rows(dir.path());
    let msg = open_error(open_keyed(dir.path(), Some(OTHER_KEY)).await);
    assert!(
        msg.contains("cannot decrypt raft log entry ")
            && msg.contains("wrong data key or corrupted file"),
        "{msg}"
    );
    assert!(
        stored_rows(dir.path()) == before,
        "a failed open must not store its key check"
    );
    assert_restored(dir.path(), Some(KEY)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setting_a_key_encrypts_existing_plaintext_files() {
    let dir = tempfile::tempdir().unwrap();
    write_secrets(dir.path(), None).await;
    assert!(log_values(dir.path()).iter().all(|row| row[0] != SEALED));

    assert_restored(dir.path(), Some(KEY)).await;
    // Every live row is sealed now (freed pages may still hold old bytes until reused).
    assert!(log_values(dir.path()).iter().all(|row| row[0] == SEALED));
    assert_eq!(snapshot_keys(dir.path()), ["meta", "sealed_data"]);

    let msg = open_error(open_keyed(dir.path(), None).await);
    assert!(msg.contains("no raft data key is configured"), "{msg}");
    let (node, kv) = open_keyed(dir.path(), Some(KEY)).await.expect("reopen");
    assert_eq!(kv.get("k0").as_deref(), Some("after"));
    node.shutdown().await.expect("shutdown");
}

#[test]
fn debug_output_hides_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let shown = format!("{:?}", keyed_config(dir.path(), Some(KEY)));
    assert!(shown.contains("data_key: Some(\"<redacted>\")"), "{shown}");
    assert!(!shown.contains("17, 17"), "{shown}");
}
