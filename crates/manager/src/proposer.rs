//! What the manager needs of consensus, behind one narrow trait: commit a batch of
//! operations and learn who leads. [`RaftProposer`](crate::raft_proposer::RaftProposer) puts
//! raft behind it; [`MemoryProposer`] is the fake beside it: one in-memory leader that
//! applies each batch at once through the same state machine, for in-process tests of the
//! control API and the loops.

use crate::error::ManagerError;
use crate::replicated_store::{BatchResult, ReplicatedStore};
use shoal_raft::StateMachine as _;
use shoal_store::Batch;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::watch;

/// Consensus as the manager sees it.
///
/// `propose` returns once the batch is committed and applied to this manager's store (read
/// your writes), with one result per op; it fails with `RaftError::NoLeader` (Docker's "The
/// swarm does not have a leader") when no quorum answers in time. Leadership queries never
/// block.
#[async_trait::async_trait]
pub trait Proposer: Send + Sync {
    async fn propose(&self, batch: &Batch) -> Result<BatchResult, ManagerError>;
    /// This manager's raft id.
    fn id(&self) -> u64;
    fn is_leader(&self) -> bool;
    /// Leader, and has applied everything it committed (decisions are safe to take).
    fn is_ready_leader(&self) -> bool;
    /// Changes whenever the known leader changes.
    fn leader_watch(&self) -> watch::Receiver<Option<u64>>;
    fn current_leader(&self) -> Option<u64>;
    /// Raft ids and addresses of the managers.
    fn members(&self) -> Vec<(u64, String)>;
}

/// A single manager that always leads (unless told otherwise) and commits at once.
pub struct MemoryProposer {
    store: Arc<ReplicatedStore>,
    index: AtomicU64,
    id: u64,
    addr: String,
    leader: watch::Sender<Option<u64>>,
}

impl MemoryProposer {
    /// A leader with raft id `id` applying to `store`.
    pub fn new(store: Arc<ReplicatedStore>, id: u64, addr: &str) -> MemoryProposer {
        MemoryProposer {
            store,
            index: AtomicU64::new(0),
            id,
            addr: addr.to_string(),
            leader: watch::channel(Some(id)).0,
        }
    }

    /// Makes this manager lead (`true`) or lose the leadership to nobody (`false`).
    pub fn set_leader(&self, leads: bool) {
        self.leader.send_replace(leads.then_some(self.id));
    }
}

#[async_trait::async_trait]
impl Proposer for MemoryProposer {
    async fn propose(&self, batch: &Batch) -> Result<BatchResult, ManagerError> {
        if !self.is_leader() {
            return Err(shoal_raft::RaftError::NoLeader.into());
        }
        let command = serde_json::to_vec(batch).map_err(|e| ManagerError::Decode(e.to_string()))?;
        let index = self.index.fetch_add(1, Ordering::SeqCst) + 1;
        let answer = self.store.apply(index, &command);
        serde_json::from_slice(&answer).map_err(|e| ManagerError::Decode(e.to_string()))
    }

    fn id(&self) -> u64 {
        self.id
    }

    fn is_leader(&self) -> bool {
        *self.leader.borrow() == Some(self.id)
    }

    fn is_ready_leader(&self) -> bool {
        self.is_leader()
    }

    fn leader_watch(&self) -> watch::Receiver<Option<u64>> {
        self.leader.subscribe()
    }

    fn current_leader(&self) -> Option<u64> {
        *self.leader.borrow()
    }

    fn members(&self) -> Vec<(u64, String)> {
        vec![(self.id, self.addr.clone())]
    }
}
