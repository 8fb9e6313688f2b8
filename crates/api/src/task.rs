//! Tasks: one scheduled unit of a service, moving one way through Swarm's states.

use crate::meta::{Labels, Version};
use crate::service::TaskSpec;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// Swarm's task states, in order; a task only ever moves forward.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum TaskState {
    #[default]
    New,
    Pending,
    Assigned,
    Accepted,
    Preparing,
    Ready,
    Starting,
    Running,
    Complete,
    Shutdown,
    Failed,
    Rejected,
    Remove,
    Orphaned,
}

impl TaskState {
    pub const ALL: [TaskState; 14] = [
        TaskState::New,
        TaskState::Pending,
        TaskState::Assigned,
        TaskState::Accepted,
        TaskState::Preparing,
        TaskState::Ready,
        TaskState::Starting,
        TaskState::Running,
        TaskState::Complete,
        TaskState::Shutdown,
        TaskState::Failed,
        TaskState::Rejected,
        TaskState::Remove,
        TaskState::Orphaned,
    ];

    /// The lowercase word the API uses.
    pub fn as_str(&self) -> &'static str {
        match self {
            TaskState::New => "new",
            TaskState::Pending => "pending",
            TaskState::Assigned => "assigned",
            TaskState::Accepted => "accepted",
            TaskState::Preparing => "preparing",
            TaskState::Ready => "ready",
            TaskState::Starting => "starting",
            TaskState::Running => "running",
            TaskState::Complete => "complete",
            TaskState::Shutdown => "shutdown",
            TaskState::Failed => "failed",
            TaskState::Rejected => "rejected",
            TaskState::Remove => "remove",
            TaskState::Orphaned => "orphaned",
        }
    }

    pub fn parse(s: &str) -> Option<TaskState> {
        let lower = s.to_ascii_lowercase();
        TaskState::ALL.into_iter().find(|st| st.as_str() == lower)
    }

    /// As a desired state: the task should (get ready to) run. `Complete` is what jobs
    /// want, run to completion, so it counts too; everything above means stop.
    pub fn is_runnable(self) -> bool {
        self <= TaskState::Complete
    }

    /// The task's process has ended (or never will run).
    pub fn is_terminal(&self) -> bool {
        *self > TaskState::Running
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ContainerStatus {
    #[serde(rename = "ContainerID", skip_serializing_if = "String::is_empty")]
    pub container_id: String,
    #[serde(rename = "PID")]
    pub pid: i64,
    pub exit_code: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskStatus {
    pub timestamp: Timestamp,
    pub state: TaskState,
    pub message: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub err: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_status: Option<ContainerStatus>,
    /// Stored states from before this was typed hold `null` here.
    #[serde(deserialize_with = "null_as_default")]
    pub port_status: PortStatus,
}

/// One network a task is on (`NetworksAttachments[]`): the network and the task's
/// addresses on it (`10.0.1.5/24`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NetworkAttachment {
    pub network: AttachedNetwork,
    pub addresses: Vec<String>,
}

/// The network of an attachment, as swarm's task JSON carries it (its ID and spec).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AttachedNetwork {
    #[serde(rename = "ID")]
    pub id: String,
    pub spec: AttachedNetworkSpec,
    /// The network's subnet and gateway (swarm's `IPAMOptions`): what a node needs to put
    /// the task on it without asking for the network.
    #[serde(rename = "IPAMOptions", skip_serializing_if = "Option::is_none")]
    pub ipam_options: Option<AttachedIpam>,
}

/// `IPAMOptions` of an attached network: its address configs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AttachedIpam {
    pub configs: Vec<crate::network::IpamConfig>,
}

impl AttachedNetwork {
    /// The subnet and gateway of the network (first config), if known.
    pub fn subnet_and_gateway(&self) -> Option<(&str, &str)> {
        let c = self.ipam_options.as_ref()?.configs.first()?;
        Some((c.subnet.as_str(), c.gateway.as_str()))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AttachedNetworkSpec {
    pub name: String,
    /// The network is swarm's routing-mesh network.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub ingress: bool,
    /// Standalone containers may join (`--attachable`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub attachable: bool,
    /// Driver options (`--opt`), e.g. `com.docker.network.driver.mtu`.
    #[serde(skip_serializing_if = "crate::meta::Labels::is_empty")]
    pub driver_options: crate::meta::Labels,
    #[serde(skip_serializing_if = "crate::meta::Labels::is_empty")]
    pub labels: crate::meta::Labels,
}

/// `Status.PortStatus`: the ports a running task publishes on its node (host mode), which
/// `service ps` shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PortStatus {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<crate::service::PortConfig>,
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Why and when a replacement task may start; shoal's record of the restart policy at work.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RestartInfo {
    /// The task may be raised to desired RUNNING at or after this time.
    pub not_before: Timestamp,
    /// Consecutive failures soon after start, for the exponential back-off.
    pub streak: u32,
    /// Times the slot was restarted by policy (for MaxAttempts), with when each happened.
    pub attempts: Vec<Timestamp>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Task {
    #[serde(rename = "ID")]
    pub id: String,
    pub version: Version,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    pub labels: Labels,
    pub spec: TaskSpec,
    #[serde(rename = "ServiceID")]
    pub service_id: String,
    #[serde(skip_serializing_if = "is_zero")]
    pub slot: u64,
    #[serde(rename = "NodeID", skip_serializing_if = "String::is_empty")]
    pub node_id: String,
    pub status: TaskStatus,
    pub desired_state: TaskState,
    /// The service spec version this task was made from (`_up-to-date` filter).
    #[serde(rename = "ShoalSpecVersion")]
    pub spec_version: u64,
    /// When the agent first reported RUNNING (zero if never).
    #[serde(rename = "ShoalStartedAt", skip_serializing_if = "Timestamp::is_zero")]
    pub started_at: Timestamp,
    #[serde(rename = "ShoalRestart", skip_serializing_if = "Option::is_none")]
    pub restart: Option<RestartInfo>,
    /// The service's endpoint when the task was made (swarmkit's `Task.Endpoint`): the agent
    /// publishes the host-mode ports from it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<crate::service::Endpoint>,
    /// The networks the task is on, with its address on each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub networks_attachments: Vec<NetworkAttachment>,
    /// Jobs only: the service's job iteration this task belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_iteration: Option<Version>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Task {
    /// Swarm's display name: `service.slot.taskid` (replicated) or `service.nodeid.taskid`.
    pub fn display_name(service_name: &str, slot: u64, node_id: &str, task_id: &str) -> String {
        if slot > 0 {
            format!("{service_name}.{slot}.{task_id}")
        } else {
            format!("{service_name}.{node_id}.{task_id}")
        }
    }

    /// The manager still wants this task to run (or get ready to).
    pub fn is_runnable(&self) -> bool {
        self.desired_state.is_runnable()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_status_reads_null_and_old_json_and_writes_dockers_shape() {
        let old: TaskStatus =
            serde_json::from_str(r#"{"State":"running","PortStatus":null}"#).expect("null");
        assert_eq!(old.port_status, PortStatus::default());
        let v = serde_json::to_value(&old).expect("json");
        assert_eq!(v["PortStatus"], serde_json::json!({}));
        let p = r#"{"Ports":[{"Protocol":"tcp","TargetPort":80,"PublishedPort":8080,"PublishMode":"host"}]}"#;
        let s: TaskStatus =
            serde_json::from_str(&format!(r#"{{"PortStatus":{p}}}"#)).expect("ports");
        assert_eq!(s.port_status.ports[0].published_port, Some(8080));
        assert_eq!(
            serde_json::to_value(&s.port_status).expect("json"),
            serde_json::from_str::<serde_json::Value>(p).expect("p")
        );
    }

    #[test]
    fn states_are_ordered_and_round_trip() {
        for w in TaskState::ALL.windows(2) {
            assert!(w[0] < w[1]);
        }
        for s in TaskState::ALL {
            assert_eq!(TaskState::parse(s.as_str()), Some(s));
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
        assert!(TaskState::Failed.is_terminal());
        assert!(!TaskState::Running.is_terminal());
    }

    #[test]
    fn slot_zero_is_omitted() {
        let t = Task::default();
        let v = serde_json::to_value(&t).unwrap();
        assert!(v.get("Slot").is_none());
        assert!(v["Spec"].get("ContainerSpec").is_some());
    }
}
