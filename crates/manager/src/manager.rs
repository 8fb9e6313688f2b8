//! A manager's handle: propose operations through consensus and read the replicated state.

use crate::clock::Clock;
use crate::error::ManagerError;
use crate::proposer::Proposer;
use crate::replicated_store::{BatchResult, ReplicatedStore};
use shoal_store::{Batch, Op, State};
use std::sync::{Arc, RwLockReadGuard};

pub struct Manager {
    pub node_id: String,
    /// Consensus: raft in a daemon, [`crate::proposer::MemoryProposer`] in tests.
    pub proposer: Arc<dyn Proposer>,
    pub store: Arc<ReplicatedStore>,
    /// The time every write is stamped with and every loop decides by.
    pub clock: Arc<dyn Clock>,
    /// Channels to the other managers (relayed heartbeats and log subscriptions).
    pub peers: Option<Arc<crate::peers::Peers>>,
    /// `service logs` subscriptions served through this manager.
    pub logs: Arc<crate::log_broker::LogBroker>,
    /// Held from reading the state to the commit by whatever gives out addresses here (the
    /// reconciler's task and node addresses, the control API's VIPs), so that two of them
    /// never decide from the same state: an address is given once.
    pub allocation: tokio::sync::Mutex<()>,
}

impl Manager {
    /// A manager of one, in memory, leading at once: for in-process tests of the control
    /// API and the loops (with a [`crate::clock::TokioClock`] under paused time).
    pub fn in_memory(node_id: &str, clock: Arc<dyn Clock>) -> Arc<Manager> {
        let store = Arc::new(ReplicatedStore::default());
        let proposer = crate::proposer::MemoryProposer::new(
            store.clone(),
            crate::raft_ids::raft_id_of(node_id),
            "127.0.0.1:2377",
        );
        Arc::new(Manager {
            node_id: node_id.to_string(),
            proposer: Arc::new(proposer),
            store,
            clock,
            peers: None,
            logs: crate::log_broker::LogBroker::new(),
            allocation: Default::default(),
        })
    }

    /// Commits `ops` as one batch stamped with the clock's time; one result per op once
    /// applied here.
    pub async fn propose(&self, ops: Vec<Op>) -> Result<BatchResult, ManagerError> {
        let batch = Batch::new(self.clock.now(), ops);
        self.proposer.propose(&batch).await
    }

    /// The current time by this manager's clock.
    pub fn now(&self) -> shoal_api::Timestamp {
        self.clock.now()
    }

    pub fn read(&self) -> RwLockReadGuard<'_, State> {
        self.store.read()
    }
}
