//! Runs openraft's storage conformance suite against the redb log store and the state-machine
//! adapter, each case on fresh files in a temporary directory, without and with a data key.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use openraft::testing::log::StoreBuilder;
use openraft::testing::log::Suite;
use openraft::StorageError;

use crate::log_store::LogStore;
use crate::seal::Cipher;
use crate::snapshot_store::SnapshotStore;
use crate::state_machine::StateMachineStore;
use crate::types::TypeConfig;
use crate::StateMachine;

/// The suite only applies blank and membership entries, so no application state is needed.
struct NoState;

impl StateMachine for NoState {
    fn apply(&self, _index: u64, _command: &[u8]) -> Vec<u8> {
        Vec::new()
    }
    fn snapshot(&self) -> Vec<u8> {
        b"no-state".to_vec()
    }
    fn restore(&self, snapshot: &[u8]) {
        assert_eq!(snapshot, b"no-state");
    }
}

struct Builder {
    data_key: Option<[u8; 32]>,
}

impl StoreBuilder<TypeConfig, LogStore, StateMachineStore, tempfile::TempDir> for Builder {
    async fn build(
        &self,
    ) -> Result<(tempfile::TempDir, LogStore, StateMachineStore), StorageError<TypeConfig>> {
        let io = |e: std::io::Error| {
            StorageError::from_io_error(
                openraft::ErrorSubject::Store,
                openraft::ErrorVerb::Write,
                e,
            )
        };
        let dir = tempfile::tempdir().map_err(io)?;
        let cipher = Cipher::new(self.data_key.as_ref());
        let (log, _) =
            LogStore::open(&dir.path().join("raft-log.redb"), 0, cipher.clone()).map_err(io)?;
        let (snapshots, _) =
            SnapshotStore::open(&dir.path().join("raft-snapshot.redb"), cipher).map_err(io)?;
        let sm = StateMachineStore::open(Arc::new(NoState), snapshots, Arc::new(AtomicU64::new(0)))
            .map_err(io)?;
        Ok((dir, log, sm))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openraft_storage_suite() {
    Suite::test_all(Builder { data_key: None })
        .await
        .expect("storage suite");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openraft_storage_suite_encrypted() {
    Suite::test_all(Builder {
        data_key: Some([0x5a; 32]),
    })
    .await
    .expect("storage suite with a data key");
}
