//! A manager's handle: propose operations through raft and read the replicated state.

use crate::error::ManagerError;
use crate::replicated_store::{BatchResult, ReplicatedStore};
use shoal_api::Timestamp;
use shoal_raft::RaftNode;
use shoal_store::{Batch, Op, State};
use std::sync::{Arc, RwLockReadGuard};

/// How long a write may wait for a quorum before it is refused.
const PROPOSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

pub struct Manager {
    pub node_id: String,
    pub raft: RaftNode,
    pub store: Arc<ReplicatedStore>,
    /// Channels to the other managers (raft messages, forwarded writes).
    pub peers: Option<Arc<crate::peers::Peers>>,
    /// `service logs` subscriptions served through this manager.
    pub logs: Arc<crate::log_broker::LogBroker>,
}

impl Manager {
    /// Commits `ops` as one raft entry; one result per op once applied.
    pub async fn propose(&self, ops: Vec<Op>) -> Result<BatchResult, ManagerError> {
        let batch = Batch::new(Timestamp::now(), ops);
        let bytes = serde_json::to_vec(&batch).map_err(|e| ManagerError::Decode(e.to_string()))?;
        // Without a quorum a proposal would wait for ever: give up with Docker's "no leader".
        // While an election is under way (e.g. just after a restart) wait for its outcome.
        let deadline = tokio::time::Instant::now() + PROPOSE_TIMEOUT;
        let mut leader = self.raft.leader_watch();
        let result = loop {
            leader.borrow_and_update();
            let attempt = tokio::time::timeout_at(deadline, self.raft.propose(bytes.clone()));
            match attempt.await {
                Err(_) => break Err(shoal_raft::RaftError::NoLeader),
                Ok(Err(shoal_raft::RaftError::NoLeader)) => {
                    if tokio::time::timeout_at(deadline, leader.changed())
                        .await
                        .is_err()
                    {
                        break Err(shoal_raft::RaftError::NoLeader);
                    }
                }
                Ok(other) => break other,
            }
        };
        let (answer, forwarded) = match result {
            Ok(a) => (a, false),
            // A follower forwards the write to the leader.
            Err(shoal_raft::RaftError::NotLeader { leader: Some(id) }) => {
                (self.forward(id, bytes).await?, true)
            }
            Err(e) => return Err(e.into()),
        };
        let results: BatchResult =
            serde_json::from_slice(&answer).map_err(|e| ManagerError::Decode(e.to_string()))?;
        if forwarded {
            // Read your writes: this manager serves reads from its own copy, so return only
            // once that copy includes the write (it normally does within a round trip).
            let index = results.iter().filter_map(|r| r.as_ref().ok()).max();
            if let Some(&index) = index {
                let _ = self.raft.wait_applied(index, PROPOSE_TIMEOUT).await;
            }
        }
        Ok(results)
    }

    async fn forward(&self, leader: u64, command: Vec<u8>) -> Result<Vec<u8>, ManagerError> {
        let no_leader = || ManagerError::Raft(shoal_raft::RaftError::NoLeader);
        let addr = self
            .raft
            .members()
            .into_iter()
            .find(|(id, _)| *id == leader)
            .map(|(_, a)| a)
            .ok_or_else(no_leader)?;
        let peers = self.peers.as_ref().ok_or_else(no_leader)?;
        let ch = peers.channel(&addr).map_err(|_| no_leader())?;
        let mut client = shoal_rpc::client::raft(ch);
        let call = client.propose(shoal_rpc::pb::ProposeRequest { command });
        match tokio::time::timeout(PROPOSE_TIMEOUT, call).await {
            Ok(Ok(r)) => Ok(r.into_inner().response),
            _ => Err(no_leader()),
        }
    }

    pub fn read(&self) -> RwLockReadGuard<'_, State> {
        self.store.read()
    }
}
