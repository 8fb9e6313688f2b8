//! Plain data passed between the agent and an executor.

use std::collections::HashMap;
use std::time::Duration;

/// Grace period between SIGTERM and SIGKILL when the task spec does not give one (Docker's).
pub const DEFAULT_STOP_GRACE: Duration = Duration::from_secs(10);

/// Everything an executor needs to run one task; built by the agent from the task spec.
#[derive(Debug, Clone, Default)]
pub struct TaskRun {
    pub task_id: String,
    /// `"<service>.<slot>.<taskid>"`; also the container name.
    pub task_name: String,
    pub service_id: String,
    pub service_name: String,
    pub node_id: String,
    pub slot: u64,
    pub image: String,
    /// `ContainerSpec.Command` (entrypoint override); may be empty.
    pub command: Vec<String>,
    /// `ContainerSpec.Args`; may be empty.
    pub args: Vec<String>,
    /// `"KEY=VALUE"` entries.
    pub env: Vec<String>,
    pub dir: Option<String>,
    pub user: Option<String>,
    pub hostname: Option<String>,
    /// `ContainerSpec.Labels`.
    pub labels: HashMap<String, String>,
    /// Time between SIGTERM and SIGKILL on shutdown ([`DEFAULT_STOP_GRACE`] by default).
    pub stop_grace: Duration,
    /// `ContainerSpec.Healthcheck` (`Test`, `Interval`... in ns), if set.
    /// See [`crate::health::from_spec`].
    pub healthcheck: Option<shoal_api::HealthConfig>,
    /// `Resources.Limits`: enforced by the engine (docker) or a cgroup (process).
    pub limits: Limits,
    /// `Resources.Reservations.MemoryBytes` (0: none), a soft limit the kernel reclaims
    /// towards under memory pressure.
    pub memory_reservation: i64,
    /// Host-mode published ports: bound on this node's address by the engine (docker); a
    /// process task binds its port itself.
    pub host_ports: Vec<HostPort>,
    /// Files placed in the task's filesystem before it starts: its secrets
    /// (`/run/secrets/<name>`) and configs.
    pub files: Vec<TaskFile>,
    /// The networks the task joins, each with its address on it (empty: the executor's
    /// default networking, the host's for a process, the engine's bridge for a container).
    pub networks: Vec<TaskNetwork>,
}

/// One network a task joins, with the task's address on it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskNetwork {
    /// The swarm network's ID.
    pub id: String,
    /// The swarm network's name (also the name of the engine network shoal makes for it).
    pub name: String,
    /// `10.0.1.0/24`.
    pub subnet: String,
    /// `10.0.1.1`.
    pub gateway: String,
    /// The task's address with the subnet's prefix (`10.0.1.5/24`).
    pub address: String,
    /// The network is the routing mesh's.
    pub ingress: bool,
    /// Standalone containers may join (`--attachable`).
    pub attachable: bool,
    /// `com.docker.network.driver.mtu`, if set.
    pub mtu: Option<u32>,
}

impl TaskNetwork {
    /// The task's address without the prefix length.
    pub fn ip(&self) -> &str {
        self.address.split('/').next().unwrap_or_default()
    }

    /// The name of the engine network shoal makes for it: the swarm network's own name when
    /// it is attachable (so `docker run --network NAME` joins it), else the name and the
    /// start of the ID, which cannot clash with the engine's or another swarm's networks.
    pub fn engine_name(&self) -> String {
        if self.attachable {
            self.name.clone()
        } else {
            format!("{}.{}", self.name, self.id.get(..12).unwrap_or(&self.id))
        }
    }

    /// The bridge carrying the network on a node ([`shoal_net::bridge_name`]).
    pub fn bridge(&self) -> String {
        shoal_net::bridge_name(&self.id)
    }
}

/// One file a task gets (a secret's or a config's data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFile {
    /// Absolute path inside the task's filesystem.
    pub path: String,
    pub data: Vec<u8>,
    pub uid: u32,
    pub gid: u32,
    pub mode: u32,
}

/// One host-mode published port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPort {
    /// `tcp`, `udp` or `sctp`.
    pub protocol: String,
    pub target: u32,
    pub published: u32,
}

/// A task's resource limits; 0 means unlimited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// CPU time in billionths of a CPU (`--limit-cpu 0.5` is 500_000_000).
    pub nano_cpus: i64,
    pub memory_bytes: i64,
    /// Maximum number of processes (and threads).
    pub pids: i64,
}

impl Limits {
    /// Whether any limit is set.
    pub fn any(&self) -> bool {
        self.nano_cpus > 0 || self.memory_bytes > 0 || self.pids > 0
    }
}

/// How a task's main process ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exit {
    /// The exit status; `128 + N` when killed by signal N (the shell's and Docker's convention).
    pub code: i64,
}

/// Facts about the node that the executor can tell (for `Node.Description`).
#[derive(Debug, Clone, Default)]
pub struct NodeFacts {
    pub hostname: String,
    pub os: String,
    pub arch: String,
    pub nano_cpus: i64,
    pub memory_bytes: i64,
    pub engine_version: String,
    /// Engine labels; the process executor says here whether it enforces resource limits
    /// ([`RESOURCE_LIMITS_LABEL`]).
    pub engine_labels: HashMap<String, String>,
}

/// Engine label telling how the process executor enforces resource limits: `cgroup2`,
/// `cgroup1` or `unenforced (<reason>)`.
pub const RESOURCE_LIMITS_LABEL: &str = "shoal.resource-limits";
