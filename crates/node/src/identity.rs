//! This node's identity in its swarm (`swarm/node.json`): its ids, addresses and role,
//! written at init, join and role changes and read back at restart.

use serde::{Deserialize, Serialize};

/// This node's identity in its swarm, kept across restarts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Identity {
    pub node_id: String,
    pub raft_id: u64,
    pub addr: String,
    /// "manager" or "worker".
    #[serde(default = "manager_role")]
    pub role: String,
    /// Where the node-to-node RPC listens (managers).
    #[serde(default)]
    pub listen_addr: String,
    /// The manager a worker's agent talks to.
    #[serde(default)]
    pub manager_addr: String,
}

pub(crate) fn manager_role() -> String {
    "manager".into()
}
