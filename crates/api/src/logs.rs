//! `service logs` between the nodes: what a manager asks of the nodes (a subscription) and
//! what they send back (messages), as they travel over node RPC.

use crate::task::Task;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// A request for the logs of some tasks, served by the nodes that run them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct LogSubscription {
    #[serde(rename = "ID")]
    pub id: String,
    /// The services whose tasks' logs are wanted: every task of theirs on a node, also
    /// those that start while a follow lasts.
    #[serde(rename = "ServiceIDs")]
    pub service_ids: Vec<String>,
    /// Single tasks whose logs are wanted.
    #[serde(rename = "TaskIDs")]
    pub task_ids: Vec<String>,
    /// Keep sending new lines until the subscription ends.
    pub follow: bool,
    /// Only the last N lines of each task.
    pub tail: Option<u64>,
    /// Only lines written at or after this time.
    pub since: Option<Timestamp>,
}

impl LogSubscription {
    /// Whether `task`'s logs are among those asked for.
    pub fn selects(&self, task: &Task) -> bool {
        self.service_ids.contains(&task.service_id) || self.task_ids.contains(&task.id)
    }
}

/// A subscription as one node gets it: with the node's tasks it selects.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NodeLogSubscription {
    pub subscription: LogSubscription,
    pub tasks: Vec<Task>,
}

/// Which output a line came from (Docker's stream numbers: 1 stdout, 2 stderr).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogStreamKind {
    #[default]
    Stdout,
    Stderr,
}

/// One line of a task.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct LogMessage {
    #[serde(rename = "TaskID")]
    pub task_id: String,
    #[serde(rename = "NodeID")]
    pub node_id: String,
    #[serde(rename = "ServiceID")]
    pub service_id: String,
    pub timestamp: Timestamp,
    pub stream: LogStreamKind,
    /// The line, newline included; bytes that are not UTF-8 are replaced (U+FFFD).
    pub data: String,
}
