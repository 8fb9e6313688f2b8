//! [`RaftNode`]: opens storage, runs openraft, and exposes a small openraft-free API.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::fmt;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use openraft::async_runtime::WatchReceiver;
use openraft::errors::ClientWriteError;
use openraft::errors::ForwardReason;
use openraft::errors::InitializeError;
use openraft::errors::RaftError as OpenRaftError;
use openraft::metrics::WaitError;
use openraft::BasicNode;
use openraft::ChangeMembers;
use openraft::Raft;
use openraft::ServerState;
use tokio::sync::watch;
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use crate::db::blocking;
use crate::db::Closed;
use crate::log_store::LogStore;
use crate::network::decode_append;
use crate::network::decode_snapshot;
use crate::network::NetworkFactory;
use crate::network::NoTransport;
use crate::network::RaftTransport;
use crate::network::{VoteCall, VoteEnvelope};
use crate::seal::Cipher;
use crate::snapshot_store::SnapshotStore;
use crate::state_machine::StateMachineStore;
use crate::types::Command;
use crate::types::StoredMembership;
use crate::types::TypeConfig;
use crate::RaftConfig;
use crate::RaftError;
use crate::StateMachine;

/// How long [`RaftNode::bootstrap_single`] waits to become leader. A single voter elects itself
/// within one election timeout (<= 600 ms), so this only trips if something is broken.
const LEADERSHIP_DEADLINE: Duration = Duration::from_secs(10);

/// How long [`RaftNode::add_voter`] waits for a new node to receive the log before promoting it.
const CATCH_UP_DEADLINE: Duration = Duration::from_secs(60);

/// How long a new leader's writes wait for its first quorum acknowledgement (its lease) before
/// failing; a few heartbeats, and more than one election timeout.
const LEASE_WAIT: Duration = Duration::from_secs(1);

/// How long a membership change may take to commit (two log entries with a quorum).
const MEMBERSHIP_DEADLINE: Duration = Duration::from_secs(30);

/// How long [`RaftNode::shutdown`] waits for openraft's detached tasks to release the files.
const RELEASE_DEADLINE: Duration = Duration::from_secs(10);

/// A running raft member. Cheap to clone; all clones drive the same node.
#[derive(Clone)]
pub struct RaftNode {
    inner: Arc<Inner>,
}

struct Inner {
    node_id: u64,
    addr: String,
    raft: Raft<TypeConfig, StateMachineStore>,
    applied_index: Arc<AtomicU64>,
    leader_rx: watch::Receiver<Option<u64>>,
    /// Taken by the first `shutdown`; the async lock makes concurrent callers wait for it.
    running: Mutex<Option<Running>>,
    /// Held by each membership change: two at once (say, two workers promoted together)
    /// would interleave openraft's two-step changes and one would fail half-done.
    membership: Mutex<()>,
}

/// What `shutdown` has to wind down after stopping openraft.
struct Running {
    /// Ends (after publishing `None`) once the raft core stops.
    leader_task: JoinHandle<()>,
    /// Kept to flush the lazily persisted committed index.
    log_store: LogStore,
    /// Fire when the log and snapshot files are closed.
    closed: Vec<Closed>,
}

impl fmt::Debug for RaftNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RaftNode")
            .field("node_id", &self.inner.node_id)
            .field("addr", &self.inner.addr)
            .finish_non_exhaustive()
    }
}

impl RaftNode {
    /// Opens (or creates) the on-disk log and snapshot under data_dir, restores the state
    /// machine from the latest snapshot, and starts openraft. Committed entries after the
    /// snapshot are re-applied to `sm` (openraft does that when committed index is saved).
    ///
    /// The node has no way to reach peers; use [`RaftNode::open_with`] for a multi-voter
    /// cluster.
    pub async fn open(
        config: RaftConfig,
        sm: Arc<dyn StateMachine>,
    ) -> Result<RaftNode, RaftError> {
        Self::open_with(config, sm, Arc::new(NoTransport)).await
    }

    /// Same as [`RaftNode::open`], with a transport to reach peers.
    ///
    /// A node that is never bootstrapped waits to be added by a leader
    /// ([`RaftNode::add_voter`]): it accepts the leader's log and snapshots through the
    /// `handle_*` methods.
    pub async fn open_with(
        config: RaftConfig,
        sm: Arc<dyn StateMachine>,
        transport: Arc<dyn RaftTransport>,
    ) -> Result<RaftNode, RaftError> {
        let raft_config = config.openraft_config()?;
        let applied_index = Arc::new(AtomicU64::new(0));

        let (log_store, sm_store, closed) = {
            let config = config.clone();
            let applied_index = applied_index.clone();
            blocking(move || {
                std::fs::create_dir_all(&config.data_dir)
                    .map_err(|e| crate::db::io_err("create directory", &config.data_dir, e))?;
                let cipher = Cipher::new(config.data_key.as_ref());
                // The log first: it checks the data key before anything is written.
                let (log_store, log_closed) =
                    LogStore::open(&config.log_path(), config.node_id, cipher.clone())?;
                let (snapshots, snapshot_closed) =
                    SnapshotStore::open(&config.snapshot_path(), cipher)?;
                let sm_store = StateMachineStore::open(sm, snapshots, applied_index)?;
                Ok((log_store, sm_store, vec![log_closed, snapshot_closed]))
            })
            .await
            .map_err(|e| RaftError::Storage(e.to_string()))?
        };

        // Re-applying the committed log after the snapshot happens inside `Raft::new`.
        let raft = Raft::new(
            config.node_id,
            raft_config,
            NetworkFactory { transport },
            log_store.clone(),
            sm_store,
        )
        .await
        .map_err(RaftError::from_fatal)?;

        let (leader_rx, leader_task) = watch_leader(&raft);
        tracing::info!(node_id = config.node_id, data_dir = %config.data_dir.display(), "raft node opened");
        Ok(RaftNode {
            inner: Arc::new(Inner {
                node_id: config.node_id,
                addr: config.addr,
                raft,
                applied_index,
                leader_rx,
                running: Mutex::new(Some(Running {
                    leader_task,
                    log_store,
                    closed,
                })),
                membership: Mutex::new(()),
            }),
        })
    }

    /// True when this node's log/membership was initialised before (i.e. after a restart).
    pub async fn is_initialized(&self) -> bool {
        match self.inner.raft.is_initialized().await {
            Ok(initialized) => initialized,
            Err(e) => {
                tracing::warn!(error = %e, "raft core unavailable; reporting not initialised");
                false
            }
        }
    }

    /// Makes this node the single voter of a new cluster; idempotent (Ok if already initialised).
    /// Returns once this node is leader and has applied every entry in its log, so the state
    /// machine reflects all committed commands.
    pub async fn bootstrap_single(&self) -> Result<(), RaftError> {
        let inner = &self.inner;
        if !self.is_initialized().await {
            let members = BTreeMap::from([(inner.node_id, BasicNode::new(&inner.addr))]);
            match inner.raft.initialize(members).await {
                Ok(()) => tracing::info!(
                    node_id = inner.node_id,
                    "bootstrapped single-voter raft cluster"
                ),
                // Lost a race with a concurrent bootstrap: the cluster exists, which is the goal.
                Err(OpenRaftError::APIError(InitializeError::NotAllowed(_))) => {}
                Err(OpenRaftError::APIError(e)) => return Err(RaftError::Fatal(e.to_string())),
                Err(OpenRaftError::Fatal(f)) => return Err(RaftError::from_fatal(f)),
            }
        }

        let id = inner.node_id;
        let waited = inner
            .raft
            .wait(Some(LEADERSHIP_DEADLINE))
            .metrics(
                |m| {
                    let applied = m.last_applied.as_ref().map(|l| l.index);
                    m.state == ServerState::Leader
                        && m.current_leader == Some(id)
                        && applied >= m.last_log_index
                },
                "become leader and apply the log",
            )
            .await;
        match waited {
            Ok(_) => Ok(()),
            Err(WaitError::ShuttingDown) => Err(RaftError::Shutdown),
            Err(WaitError::Timeout(..)) => match *inner.leader_rx.borrow() {
                Some(leader) if leader != id => Err(RaftError::NotLeader {
                    leader: Some(leader),
                }),
                _ => Err(RaftError::Timeout(format!(
                    "node {id} did not become raft leader within {LEADERSHIP_DEADLINE:?}"
                ))),
            },
        }
    }

    /// Proposes a command; resolves once committed AND applied, with the StateMachine's response.
    pub async fn propose(&self, command: Vec<u8>) -> Result<Vec<u8>, RaftError> {
        let raft = &self.inner.raft;
        let written = self
            .retry_while_lease_pending(|| raft.client_write(Command(command.clone())))
            .await;
        match written {
            Ok(response) => Ok(response.data),
            Err(e) => Err(client_write_error(e)),
        }
    }

    /// True while this node is the raft leader (the only node that can propose).
    pub fn is_leader(&self) -> bool {
        self.inner.raft.is_leader()
    }

    /// Leader, and its state machine reflects everything committed, including the first
    /// entry of its own term: only then is the local state a safe base for decisions (a
    /// freshly elected leader may still be applying entries its predecessor committed).
    pub fn is_ready_leader(&self) -> bool {
        let metrics = self.inner.raft.metrics();
        let m = metrics.borrow_watched();
        m.state == ServerState::Leader
            && m.cluster_committed
                .as_ref()
                .is_some_and(|c| c.leader_id.term == m.current_term)
            // The state machine's own counter: the metrics' copy lags behind it.
            && m.cluster_committed
                .as_ref()
                .is_some_and(|c| self.applied_index() >= c.index)
    }

    /// Current leader id (None while there is none); changes are observable.
    pub fn leader_watch(&self) -> watch::Receiver<Option<u64>> {
        self.inner.leader_rx.clone()
    }

    /// Last applied log index.
    pub fn applied_index(&self) -> u64 {
        self.inner.applied_index.load(Ordering::Acquire)
    }

    /// Server side of [`RaftTransport::append_entries`]: a peer's payload in, the answer out.
    /// A rejection (stale term, log conflict) is part of the answer; `Err` means the payload
    /// was undecodable, meant for another node id, or this node is shut down; it should reach
    /// the caller as a transport error.
    pub async fn handle_append_entries(&self, payload: &[u8]) -> Result<Vec<u8>, RaftError> {
        let (target, rpc) = decode_append(payload)
            .map_err(|e| RaftError::Payload(format!("append_entries: {e}")))?;
        self.check_target("append_entries", target)?;
        let response = self
            .inner
            .raft
            .append_entries(rpc)
            .await
            .map_err(core_error)?;
        encode_answer(&response)
    }

    /// Server side of [`RaftTransport::vote`]; see [`RaftNode::handle_append_entries`].
    pub async fn handle_vote(&self, payload: &[u8]) -> Result<Vec<u8>, RaftError> {
        let VoteEnvelope { target, call } = decode_payload("vote", payload)?;
        self.check_target("vote", target)?;
        let raft = &self.inner.raft;
        match call {
            VoteCall::Vote(request) => {
                encode_answer(&raft.vote(request).await.map_err(core_error)?)
            }
            VoteCall::PreVote(request) => {
                encode_answer(&raft.pre_vote(request).await.map_err(core_error)?)
            }
            VoteCall::TransferLeader(request) => encode_answer(
                &raft
                    .handle_transfer_leader(request)
                    .await
                    .map_err(RaftError::from_fatal)?,
            ),
        }
    }

    /// Server side of [`RaftTransport::install_snapshot`]; see
    /// [`RaftNode::handle_append_entries`].
    pub async fn handle_install_snapshot(&self, payload: &[u8]) -> Result<Vec<u8>, RaftError> {
        let (target, vote, snapshot) = decode_snapshot(payload)
            .map_err(|e| RaftError::Payload(format!("install_snapshot: {e}")))?;
        self.check_target("install_snapshot", target)?;
        let response = self
            .inner
            .raft
            .install_full_snapshot(vote, snapshot)
            .await
            .map_err(RaftError::from_fatal)?;
        encode_answer(&response)
    }

    /// Leader only: adds node `id`, reachable at `addr`, as a voter. It first joins as a
    /// learner and receives the log (or a snapshot); once it has caught up it is promoted.
    /// Idempotent: Ok if `id` already is a voter (its address is updated if it changed).
    ///
    /// Fails with [`RaftError::NotLeader`] / [`RaftError::NoLeader`] on other nodes, and with
    /// [`RaftError::Timeout`] if the node does not catch up within a bounded time (it then
    /// stays a non-voting learner; call again or [`RaftNode::remove_voter`] it).
    pub async fn add_voter(&self, id: u64, addr: String) -> Result<(), RaftError> {
        self.ensure_leader()?;
        let _one_at_a_time = self.inner.membership.lock().await;
        let membership = self.membership();
        let raft = &self.inner.raft;
        let is_voter = membership.voter_ids().any(|v| v == id);
        let known_addr = membership.get_node(&id).map(|n| n.addr.clone());
        if known_addr.as_deref().is_some_and(|known| known != addr) {
            // A member (or a learner left by an earlier attempt) that moved: adding a node
            // never overrides its stored address, so update it explicitly.
            let nodes = BTreeMap::from([(id, BasicNode::new(&addr))]);
            within_membership_deadline(
                &format!("update the address of node {id}"),
                self.retry_while_lease_pending(|| {
                    raft.change_membership(ChangeMembers::SetNodes(nodes.clone()), true)
                }),
            )
            .await?;
        }
        if is_voter {
            return Ok(());
        }

        match tokio::time::timeout(
            CATCH_UP_DEADLINE,
            self.retry_while_lease_pending(|| raft.add_learner(id, BasicNode::new(&addr), true)),
        )
        .await
        {
            Ok(result) => {
                result.map_err(client_write_error)?;
            }
            Err(_) => {
                return Err(RaftError::Timeout(format!(
                    "node {id} at {addr} did not catch up with the raft log within \
                     {CATCH_UP_DEADLINE:?}; it stays a non-voting learner"
                )))
            }
        }
        within_membership_deadline(
            &format!("promote node {id} to voter"),
            self.retry_while_lease_pending(|| {
                raft.change_membership(ChangeMembers::AddVoterIds(BTreeSet::from([id])), false)
            }),
        )
        .await?;
        tracing::info!(node_id = self.inner.node_id, voter = id, %addr, "added raft voter");
        Ok(())
    }

    /// Leader only: removes node `id` from the cluster (voter or learner). Ok if it is not a
    /// member. Quorum rules are the caller's business; removing the leader itself works (it
    /// steps down once the change commits), removing the last voter is refused.
    pub async fn remove_voter(&self, id: u64) -> Result<(), RaftError> {
        self.ensure_leader()?;
        let _one_at_a_time = self.inner.membership.lock().await;
        let membership = self.membership();
        let ids = BTreeSet::from([id]);
        let change = if membership.voter_ids().any(|v| v == id) {
            ChangeMembers::RemoveVoters(ids)
        } else if membership.get_node(&id).is_some() {
            ChangeMembers::RemoveNodes(ids)
        } else {
            return Ok(());
        };
        within_membership_deadline(
            &format!("remove node {id}"),
            self.retry_while_lease_pending(|| {
                self.inner.raft.change_membership(change.clone(), false)
            }),
        )
        .await?;
        tracing::info!(
            node_id = self.inner.node_id,
            removed = id,
            "removed raft member"
        );
        Ok(())
    }

    /// This member's raft id.
    pub fn id(&self) -> u64 {
        self.inner.node_id
    }

    /// Current voters as `(id, advertised address)`, ordered by id, as this node knows them
    /// (the leader's view is authoritative). Empty before the node joins a cluster.
    pub fn members(&self) -> Vec<(u64, String)> {
        let membership = self.membership();
        membership
            .voter_ids()
            .map(|id| {
                let addr = membership
                    .get_node(&id)
                    .map(|n| n.addr.clone())
                    .unwrap_or_default();
                (id, addr)
            })
            .collect()
    }

    /// Whether `id` is a voter of the newest configuration this node knows, including one
    /// still being committed: during a joint change that removes a node, this is already
    /// false for it (so a demoted manager knows it may go).
    pub fn is_voter_in_latest_config(&self, id: u64) -> bool {
        let membership = self.membership();
        membership
            .get_joint_config()
            .last()
            .is_some_and(|voters| voters.contains(&id))
    }

    /// The leader as this node currently knows it (None while there is none).
    pub fn current_leader(&self) -> Option<u64> {
        self.inner.raft.metrics().borrow_watched().current_leader
    }

    fn membership(&self) -> Arc<StoredMembership> {
        self.inner
            .raft
            .metrics()
            .borrow_watched()
            .membership_config
            .clone()
    }

    /// Runs a write, retrying for a short while if this node is leader but refuses writes
    /// because its lease is not (yet) confirmed by a quorum: that is the normal state right
    /// after winning an election, until the first round of replication is acknowledged. A
    /// leader that lost its quorum keeps refusing, and the write fails with `NoLeader`.
    async fn retry_while_lease_pending<T, Fut>(
        &self,
        mut write: impl FnMut() -> Fut,
    ) -> Result<T, OpenRaftError<TypeConfig, ClientWriteError<TypeConfig>>>
    where
        Fut: std::future::Future<
            Output = Result<T, OpenRaftError<TypeConfig, ClientWriteError<TypeConfig>>>,
        >,
    {
        let deadline = tokio::time::Instant::now() + LEASE_WAIT;
        let mut metrics = self.inner.raft.metrics();
        loop {
            match write().await {
                Err(OpenRaftError::APIError(ClientWriteError::ForwardToLeader(f)))
                    if f.reason == ForwardReason::LeaseExpired
                        && self.is_leader()
                        && tokio::time::Instant::now() < deadline =>
                {
                    // Acknowledgements update the metrics; re-check at least every 50 ms.
                    let _ =
                        tokio::time::timeout(Duration::from_millis(50), metrics.changed()).await;
                }
                other => return other,
            }
        }
    }

    /// Refuses a peer request meant for another node id (e.g. an address now used by another
    /// node).
    fn check_target(&self, what: &str, target: u64) -> Result<(), RaftError> {
        let me = self.inner.node_id;
        if target == me {
            return Ok(());
        }
        Err(RaftError::Payload(format!(
            "{what}: request for raft node {target} reached node {me} at {}",
            self.inner.addr
        )))
    }

    fn ensure_leader(&self) -> Result<(), RaftError> {
        if self.is_leader() {
            return Ok(());
        }
        Err(match self.current_leader() {
            Some(leader) if leader != self.inner.node_id => RaftError::NotLeader {
                leader: Some(leader),
            },
            _ => RaftError::NoLeader,
        })
    }

    /// Waits until this node has applied log index `index` (e.g. a follower catching up with
    /// an index returned on the leader); returns the applied index. Fails with
    /// [`RaftError::Timeout`] after `timeout`.
    pub async fn wait_applied(&self, index: u64, timeout: Duration) -> Result<u64, RaftError> {
        let waited = self
            .inner
            .raft
            .wait(Some(timeout))
            .applied_index_at_least(Some(index), "apply the log")
            .await;
        match waited {
            Ok(m) => Ok(m.last_applied.map(|l| l.index).unwrap_or_default()),
            Err(WaitError::ShuttingDown) => Err(RaftError::Shutdown),
            Err(WaitError::Timeout(..)) => Err(RaftError::Timeout(format!(
                "node {} did not apply log index {index} within {timeout:?} (applied {})",
                self.inner.node_id,
                self.applied_index()
            ))),
        }
    }

    /// Waits (at most `timeout`) until this node knows a leader of the current term and has
    /// applied everything committed so far, as after a restart before serving reads: until
    /// then the local state may be older than what clients already saw. False on timeout.
    pub async fn wait_caught_up(&self, timeout: Duration) -> bool {
        self.inner
            .raft
            .wait(Some(timeout))
            .metrics(
                |m| {
                    // What the cluster has committed, as this node learnt it (a leader must
                    // also have committed an entry of its own term).
                    let committed = m.cluster_committed.as_ref();
                    let own_term = m.current_leader != Some(m.id)
                        || committed.is_some_and(|c| c.leader_id.term == m.current_term);
                    m.current_leader.is_some()
                        && own_term
                        && m.last_applied.as_ref().map(|l| l.index) >= committed.map(|c| c.index)
                },
                "catch up with the cluster",
            )
            .await
            .is_ok()
    }

    /// Graceful stop: openraft shutdown, flush; after it `open` on the same dir works.
    /// Idempotent; other clones of this node fail with [`RaftError::Shutdown`] afterwards.
    pub async fn shutdown(&self) -> Result<(), RaftError> {
        let inner = &self.inner;
        inner
            .raft
            .shutdown()
            .await
            .map_err(|e| RaftError::Fatal(format!("raft core task failed: {e}")))?;
        let mut running = inner.running.lock().await;
        let Some(Running {
            leader_task,
            log_store,
            closed,
        }) = running.take()
        else {
            return Ok(()); // already shut down
        };

        // Lets watchers observe `None` before shutdown returns.
        if tokio::time::timeout(RELEASE_DEADLINE, leader_task)
            .await
            .is_err()
        {
            tracing::warn!("raft leader watch did not stop after shutdown");
        }

        blocking(move || log_store.flush())
            .await
            .map_err(|e| RaftError::Storage(e.to_string()))?;

        // openraft does not join its state-machine worker or snapshot tasks; wait until they
        // drop their handles so the files are unlocked for the next `open`.
        for rx in closed {
            // Err(RecvError) is the signal: the sender lives inside the file handle.
            if tokio::time::timeout(RELEASE_DEADLINE, rx).await.is_err() {
                return Err(RaftError::Storage(format!(
                    "raft storage still in use {RELEASE_DEADLINE:?} after shutdown"
                )));
            }
        }
        tracing::info!(node_id = inner.node_id, "raft node shut down");
        Ok(())
    }
}

/// Translates a failed `client_write` / membership change.
fn client_write_error(e: OpenRaftError<TypeConfig, ClientWriteError<TypeConfig>>) -> RaftError {
    match e {
        OpenRaftError::APIError(e) => match e {
            ClientWriteError::ForwardToLeader(f) => match f.leader_id {
                Some(leader) => RaftError::NotLeader {
                    leader: Some(leader),
                },
                None => RaftError::NoLeader,
            },
            ClientWriteError::LogEntryDiscarded(f) => RaftError::LeaderChanged {
                leader: f.leader_id,
            },
            ClientWriteError::ChangeMembershipError(e) => RaftError::Membership(e.to_string()),
            // Preconditions are never used.
            other => RaftError::Fatal(other.to_string()),
        },
        OpenRaftError::Fatal(f) => RaftError::from_fatal(f),
    }
}

/// Translates an error of an openraft API that can only fail fatally.
fn core_error(e: OpenRaftError<TypeConfig>) -> RaftError {
    match e {
        OpenRaftError::APIError(never) => match never {},
        OpenRaftError::Fatal(f) => RaftError::from_fatal(f),
    }
}

/// Runs a membership change, bounded: without a quorum it would never commit.
async fn within_membership_deadline<T>(
    what: &str,
    change: impl std::future::Future<
        Output = Result<T, OpenRaftError<TypeConfig, ClientWriteError<TypeConfig>>>,
    >,
) -> Result<(), RaftError> {
    match tokio::time::timeout(MEMBERSHIP_DEADLINE, change).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(client_write_error(e)),
        Err(_) => Err(RaftError::Timeout(format!(
            "could not {what} within {MEMBERSHIP_DEADLINE:?}; are a majority of the managers \
             reachable?"
        ))),
    }
}

fn decode_payload<T: serde::de::DeserializeOwned>(
    what: &str,
    payload: &[u8],
) -> Result<T, RaftError> {
    serde_json::from_slice(payload).map_err(|e| RaftError::Payload(format!("{what}: {e}")))
}

fn encode_answer<T: serde::Serialize>(answer: &T) -> Result<Vec<u8>, RaftError> {
    serde_json::to_vec(answer).map_err(|e| RaftError::Fatal(format!("encode raft answer: {e}")))
}

/// Mirrors openraft's leader metric into a plain tokio watch channel, publishing only changes.
fn watch_leader(
    raft: &Raft<TypeConfig, StateMachineStore>,
) -> (watch::Receiver<Option<u64>>, JoinHandle<()>) {
    let mut metrics = raft.metrics();
    let (tx, rx) = watch::channel(metrics.borrow_watched().current_leader);
    let task = tokio::spawn(async move {
        loop {
            let leader = metrics.borrow_watched().current_leader;
            tx.send_if_modified(|current| {
                let changed = *current != leader;
                *current = leader;
                changed
            });
            if metrics.changed().await.is_err() {
                break;
            }
        }
        // The raft core is gone: there is no leader as far as this node knows.
        tx.send_replace(None);
    });
    (rx, task)
}
