//! Services: the desired state a user declares (`POST /services/create`), and what the
//! manager reports back about it.
//!
//! Every member shoal acts on is typed (resources, health check, mounts, secret and config
//! references, networks, placement, endpoint); members it only passes through are kept
//! verbatim in `extra` maps, so that what a client sent is what `inspect` returns.

use crate::attachment::NetworkAttachmentConfig;
use crate::health::HealthConfig;
use crate::meta::{Labels, Version};
use crate::mount::Mount;
use crate::placement::Placement;
use crate::references::{ConfigReference, SecretReference};
use crate::resources::ResourceRequirements;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ContainerSpec {
    pub image: String,
    #[serde(skip_serializing_if = "Labels::is_empty")]
    pub labels: Labels,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub hostname: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub dir: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user: String,
    /// Nanoseconds; None means the default (10 s).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_grace_period: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub isolation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<HealthConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mounts: Option<Vec<Mount>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secrets: Option<Vec<SecretReference>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configs: Option<Vec<ConfigReference>>,
    /// Members shoal passes through without acting on them (`TTY`, `Init`, `Sysctls`...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RestartCondition {
    #[default]
    #[serde(alias = "")]
    Any,
    OnFailure,
    None,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RestartPolicy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<RestartCondition>,
    /// Nanoseconds. None: shoal's adaptive back-off (0, then 100 ms doubling to 5 s).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskSpec {
    pub container_spec: ContainerSpec,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<RestartPolicy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
    /// Bumped by `service update --force` to restart every task.
    pub force_update: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub networks: Option<Vec<NetworkAttachmentConfig>>,
    /// Members shoal passes through without acting on them (`LogDriver`...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ReplicatedService {
    pub replicas: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ReplicatedJob {
    pub max_concurrent: Option<u64>,
    pub total_completions: Option<u64>,
}

/// Exactly one of the four is set; an empty mode means replicated with 1 replica.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ServiceMode {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicated: Option<ReplicatedService>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub global: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicated_job: Option<ReplicatedJob>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub global_job: Option<Value>,
}

/// The mode, decoded into what the orchestrators need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeKind {
    Replicated(u64),
    Global,
    ReplicatedJob { max_concurrent: u64, total: u64 },
    GlobalJob,
}

impl ServiceMode {
    pub fn replicated(n: u64) -> ServiceMode {
        ServiceMode {
            replicated: Some(ReplicatedService { replicas: Some(n) }),
            ..Default::default()
        }
    }

    pub fn kind(&self) -> ModeKind {
        if self.global.is_some() {
            ModeKind::Global
        } else if let Some(j) = &self.replicated_job {
            // The API's defaults: MaxConcurrent 1, TotalCompletions = MaxConcurrent.
            let max_concurrent = j.max_concurrent.unwrap_or(1);
            ModeKind::ReplicatedJob {
                max_concurrent,
                total: j.total_completions.unwrap_or(max_concurrent),
            }
        } else if self.global_job.is_some() {
            ModeKind::GlobalJob
        } else {
            let n = self
                .replicated
                .as_ref()
                .and_then(|r| r.replicas)
                .unwrap_or(1);
            ModeKind::Replicated(n)
        }
    }

    /// Fills what Docker fills: no mode at all, or replicated without a count, is 1 replica.
    pub fn normalized(mut self) -> ServiceMode {
        let none = self.replicated.is_none()
            && self.global.is_none()
            && self.replicated_job.is_none()
            && self.global_job.is_none();
        if none {
            return ServiceMode::replicated(1);
        }
        if let Some(r) = &mut self.replicated {
            r.replicas.get_or_insert(1);
        }
        if let ModeKind::ReplicatedJob {
            max_concurrent,
            total,
        } = self.kind()
        {
            // Clients read both back (docker's job progress divides by them).
            self.replicated_job = Some(ReplicatedJob {
                max_concurrent: Some(max_concurrent),
                total_completions: Some(total),
            });
        }
        self
    }

    pub fn is_job(&self) -> bool {
        matches!(
            self.kind(),
            ModeKind::ReplicatedJob { .. } | ModeKind::GlobalJob
        )
    }

    pub fn name(&self) -> &'static str {
        match self.kind() {
            ModeKind::Replicated(_) => "replicated",
            ModeKind::Global => "global",
            ModeKind::ReplicatedJob { .. } => "replicated job",
            ModeKind::GlobalJob => "global job",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UpdateConfig {
    pub parallelism: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_action: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monitor: Option<i64>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::service::go_float"
    )]
    pub max_failure_ratio: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PortConfig {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    pub protocol: String,
    pub target_port: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published_port: Option<u32>,
    pub publish_mode: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct EndpointSpec {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mode: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<PortConfig>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ServiceSpec {
    pub name: String,
    pub labels: Labels,
    pub task_template: TaskSpec,
    pub mode: ServiceMode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_config: Option<UpdateConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback_config: Option<UpdateConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint_spec: Option<EndpointSpec>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Endpoint {
    pub spec: EndpointSpec,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<PortConfig>,
    /// One address per network the service is on (endpoint mode `vip`).
    #[serde(rename = "VirtualIPs", skip_serializing_if = "Vec::is_empty")]
    pub virtual_ips: Vec<EndpointVirtualIp>,
}

/// A service's virtual IP on one network (`10.0.1.2/24`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct EndpointVirtualIp {
    #[serde(rename = "NetworkID")]
    pub network_id: String,
    pub addr: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UpdateStatus {
    pub state: String,
    pub started_at: Timestamp,
    #[serde(skip_serializing_if = "Timestamp::is_zero")]
    pub completed_at: Timestamp,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ServiceStatus {
    pub running_tasks: u64,
    pub desired_tasks: u64,
    pub completed_tasks: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Service {
    #[serde(rename = "ID")]
    pub id: String,
    pub version: Version,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub spec: ServiceSpec,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_spec: Option<ServiceSpec>,
    pub endpoint: Endpoint,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_status: Option<UpdateStatus>,
    /// Filled only when listing with `status=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_status: Option<ServiceStatus>,
    /// Bumped on every spec change; tasks record the one they were made from.
    #[serde(rename = "ShoalSpecVersion")]
    pub spec_version: u64,
    /// Jobs only: which run of the job is current (every update starts a new one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_status: Option<JobStatus>,
}

/// `Service.JobStatus`: the current iteration of a job and when it started.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JobStatus {
    pub job_iteration: Version,
    pub last_execution: Timestamp,
}

impl Endpoint {
    /// The endpoint a spec asks for (ports as requested; shoal allocates none itself).
    pub fn of(spec: &ServiceSpec) -> Endpoint {
        let spec_ep = spec.endpoint_spec.clone().unwrap_or_default();
        Endpoint {
            ports: spec_ep.ports.clone(),
            spec: spec_ep,
            virtual_ips: Vec::new(),
        }
    }
}

impl Service {
    /// Starts a job's first iteration (no-op for other modes); called on create.
    pub fn start_job(&mut self, now: Timestamp) {
        if self.spec.mode.is_job() {
            self.job_status = Some(JobStatus {
                job_iteration: Version::default(),
                last_execution: now,
            });
        }
    }

    /// Records that the spec was just replaced (the old spec given): a job starts
    /// a new iteration, as in swarmkit; otherwise a changed task template starts a rolling
    /// update (`updating`, or `rollback_started` for a rollback), as do changed ports;
    /// anything else clears
    /// the previous update's status, so a scale after a finished update is not "completed"
    /// before it converges.
    pub fn start_update(&mut self, old: &ServiceSpec, rollback: bool, now: Timestamp) {
        self.endpoint = Endpoint::of(&self.spec);
        self.update_status = None;
        if let Some(job) = &mut self.job_status {
            job.job_iteration.index += 1;
            job.last_execution = now;
            return;
        }
        if self.spec.task_template == old.task_template
            && self.spec.endpoint_spec == old.endpoint_spec
        {
            return;
        }
        let (state, message) = if rollback {
            ("rollback_started", "manually requested rollback")
        } else {
            ("updating", "update in progress")
        };
        self.update_status = Some(UpdateStatus {
            state: state.into(),
            started_at: now,
            completed_at: Timestamp::default(),
            message: message.into(),
        });
    }
}

/// Go prints whole floats without a fraction (`0`, not `0.0`); match it on the wire.
pub(crate) fn go_float<S: serde::Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => s.serialize_i64(*f as i64),
        Some(f) => s.serialize_f64(*f),
        None => s.serialize_none(),
    }
}
