//! Consensus through raft: a batch is proposed to the local raft node; a follower forwards
//! it to the leader (`Raft.Propose`) and returns once its own copy has applied it, so that a
//! client reads its own writes from any manager.

use crate::error::ManagerError;
use crate::peers::Peers;
use crate::proposer::Proposer;
use crate::replicated_store::BatchResult;
use shoal_raft::RaftNode;
use shoal_store::Batch;
use std::sync::Arc;
use tokio::sync::watch;

/// How long a write may wait for a quorum before it is refused.
const PROPOSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

pub struct RaftProposer {
    pub raft: RaftNode,
    /// Channels to the other managers (forwarded writes).
    pub peers: Option<Arc<Peers>>,
}

#[async_trait::async_trait]
impl Proposer for RaftProposer {
    async fn propose(&self, batch: &Batch) -> Result<BatchResult, ManagerError> {
        let bytes = serde_json::to_vec(batch).map_err(|e| ManagerError::Decode(e.to_string()))?;
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

    fn id(&self) -> u64 {
        self.raft.id()
    }

    fn is_leader(&self) -> bool {
        self.raft.is_leader()
    }

    fn is_ready_leader(&self) -> bool {
        self.raft.is_ready_leader()
    }

    fn leader_watch(&self) -> watch::Receiver<Option<u64>> {
        self.raft.leader_watch()
    }

    fn current_leader(&self) -> Option<u64> {
        self.raft.current_leader()
    }

    fn members(&self) -> Vec<(u64, String)> {
        self.raft.members()
    }
}

impl RaftProposer {
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
}
