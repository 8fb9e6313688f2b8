//! The cluster store as raft's state machine: committed batches are applied here, on every
//! manager, and each application wakes whoever watches for changes.

use shoal_store::{apply_batch, Batch, State, StoreError};
use std::sync::{RwLock, RwLockReadGuard};
use tokio::sync::watch;

pub struct ReplicatedStore {
    state: RwLock<State>,
    changed: watch::Sender<u64>,
}

impl Default for ReplicatedStore {
    fn default() -> Self {
        ReplicatedStore {
            state: RwLock::new(State::default()),
            changed: watch::channel(0).0,
        }
    }
}

/// What the state machine answers for a batch: one result per op.
pub type BatchResult = Vec<Result<u64, StoreError>>;

impl ReplicatedStore {
    /// A consistent read of the whole state.
    pub fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Notified with the applied index after every change.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }
}

impl shoal_raft::StateMachine for ReplicatedStore {
    fn apply(&self, index: u64, command: &[u8]) -> Vec<u8> {
        let result: BatchResult = match serde_json::from_slice::<Batch>(command) {
            Ok(batch) => {
                let mut st = self.state.write().unwrap_or_else(|p| p.into_inner());
                apply_batch(&mut st, index, &batch)
            }
            // Only commands this version cannot read land here; they change nothing.
            Err(e) => vec![Err(StoreError::Invalid(format!(
                "undecodable command: {e}"
            )))],
        };
        self.changed.send_replace(index);
        serde_json::to_vec(&result).unwrap_or_default()
    }

    fn snapshot(&self) -> Vec<u8> {
        serde_json::to_vec(&*self.read()).unwrap_or_default()
    }

    fn restore(&self, snapshot: &[u8]) {
        let restored: State = serde_json::from_slice(snapshot).unwrap_or_default();
        let index = restored.index;
        *self.state.write().unwrap_or_else(|p| p.into_inner()) = restored;
        self.changed.send_replace(index);
    }
}
