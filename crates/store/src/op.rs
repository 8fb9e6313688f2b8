//! The write operations the manager proposes through raft.
//!
//! Task operations are narrow (one field each) so that writers that race, the orchestrator
//! and an agent's status report say, never overwrite each other's changes.

use serde::{Deserialize, Serialize};
use shoal_api::{
    Cluster, Labels, Node, NodeSpec, NodeStatus, Secret, Service, Task, TaskState, TaskStatus,
    Timestamp, UpdateStatus,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Op {
    /// Replaces the whole state with a copy of another cluster's (`swarm init
    /// --force-new-cluster` on a restored manager); every object is re-versioned at the
    /// restoring entry, so versions keep growing in the new log.
    Restore(Box<crate::state::State>),
    /// Sets (autolock on, key rotation) or clears (autolock off) the managers' unlock key.
    /// Only together with a cluster write in the same batch (it goes with a spec change, and
    /// must not apply when that change is refused).
    SetUnlockKey(Option<String>),
    /// Starts a root CA rotation towards `next` (with a cluster write in the same batch, like
    /// [`Op::SetUnlockKey`]).
    StartCaRotation(Box<crate::state::CaRecord>),
    /// The rotation's second phase: certificates are issued by the new root.
    CaRotationIssue,
    /// Ends the rotation: the new root replaces the old, with its join tokens and trust root.
    FinishCaRotation {
        tokens: shoal_api::JoinTokens,
        tls_info: shoal_api::TlsInfo,
    },
    /// Sets the cluster's root CA (at init and on CA rotation).
    PutRootCa(Box<crate::state::CaRecord>),
    PutCluster(Box<Cluster>),
    /// Replaces the cluster spec and tokens if `expected_version` matches.
    UpdateCluster {
        cluster: Box<Cluster>,
        expected_version: u64,
    },
    /// Creates or refreshes a node's description and status; keeps its spec and manager
    /// status if it exists.
    PutNode(Box<Node>),
    UpdateNodeSpec {
        id: String,
        spec: NodeSpec,
        expected_version: u64,
    },
    /// Where a manager listens (set when it joins the raft).
    SetManagerStatus {
        id: String,
        status: shoal_api::ManagerStatus,
    },
    /// What a node trusts and who issued its certificate (reported after each renewal).
    SetNodeTlsInfo {
        id: String,
        tls_info: shoal_api::TlsInfo,
    },
    SetNodeStatus {
        id: String,
        status: NodeStatus,
    },
    DeleteNode {
        id: String,
    },
    CreateService(Box<Service>),
    /// Replaces spec and previous spec if `expected_version` matches; a changed spec bumps
    /// the service's spec version.
    UpdateService {
        service: Box<Service>,
        expected_version: u64,
    },
    /// Updater: progress of a rolling update or rollback.
    SetServiceUpdateStatus {
        id: String,
        status: UpdateStatus,
    },
    DeleteService {
        id: String,
    },
    /// A new secret; its name must be free.
    CreateSecret(Box<Secret>),
    /// Replaces a secret's labels if `expected_version` matches (swarmkit allows nothing
    /// else to change).
    UpdateSecret {
        id: String,
        labels: Labels,
        expected_version: u64,
    },
    DeleteSecret {
        id: String,
    },
    /// A new config; its name must be free.
    CreateConfig(Box<shoal_api::Config>),
    /// Replaces a config's labels if `expected_version` matches.
    UpdateConfig {
        id: String,
        labels: Labels,
        expected_version: u64,
    },
    DeleteConfig {
        id: String,
    },
    /// A new swarm network; its name must be free.
    CreateNetwork(Box<shoal_api::network::Network>),
    DeleteNetwork {
        id: String,
    },
    /// Allocator: the nodes' own addresses on a network (replaces them all).
    SetNodeAddresses {
        network_id: String,
        addresses: std::collections::BTreeMap<String, String>,
    },
    CreateTask(Box<Task>),
    /// Scheduler: place a pending task on a node.
    AssignTask {
        id: String,
        node_id: String,
    },
    /// Scheduler: the task stays pending, with the reason.
    SetTaskPending {
        id: String,
        err: String,
    },
    /// Orchestrator: raise the desired state (never lowered).
    SetTaskDesired {
        id: String,
        desired: TaskState,
    },
    /// Agent: the observed state (never moves backwards).
    SetTaskStatus {
        id: String,
        status: TaskStatus,
    },
    /// Orchestrator: the task already matches a newer service spec (e.g. after a scale).
    SetTaskSpecVersion {
        id: String,
        spec_version: u64,
    },
    DeleteTask {
        id: String,
    },
}

/// Operations committed together in one raft entry, stamped with the proposer's clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    pub now: Timestamp,
    pub ops: Vec<Op>,
}

impl Batch {
    pub fn new(now: Timestamp, ops: Vec<Op>) -> Batch {
        Batch { now, ops }
    }
}
