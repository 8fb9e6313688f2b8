//! The write operations the manager proposes through raft.
//!
//! Task operations are narrow (one field each) so that writers that race, the orchestrator
//! and an agent's status report say, never overwrite each other's changes.

use serde::{Deserialize, Serialize};
use shoal_api::{
    Cluster, Node, NodeSpec, NodeStatus, Service, Task, TaskState, TaskStatus, Timestamp,
    UpdateStatus,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Op {
    /// Replaces the whole state with a copy of another cluster's (`swarm init
    /// --force-new-cluster` on a restored manager); every object is re-versioned at the
    /// restoring entry, so versions keep growing in the new log.
    Restore(Box<crate::state::State>),
    /// Sets the cluster's root CA (at init and on CA rotation).
    PutRootCa(Box<crate::state::CaRecord>),
    PutCluster(Box<Cluster>),
    /// Replaces the cluster spec and tokens if `expected_version` matches.
    UpdateCluster {
        cluster: Box<Cluster>,
        expected_version: u64,
    },
    /// Creates or refreshes a node's description and status; keeps its spec if it exists.
    PutNode(Box<Node>),
    UpdateNodeSpec {
        id: String,
        spec: NodeSpec,
        expected_version: u64,
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
