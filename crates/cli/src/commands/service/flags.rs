//! The clap grammar of `service create` and `service update`, with
//! docker's flag names and help. Values stay strings here: they are parsed
//! by [`super::parse`] so that bad values fail with docker's messages and
//! exit status 125 instead of clap's.

use clap::Args;

/// Flags both `create` and `update` take.
#[derive(Args, Debug, Clone, Default)]
pub struct CommonFlags {
    /// Exit immediately instead of waiting for the service to converge
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Suppress progress output
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Working directory inside the container
    #[arg(short = 'w', long, value_name = "string")]
    pub workdir: Option<String>,
    /// Username or UID (format: <name|uid>[:<group|gid>])
    #[arg(short = 'u', long, value_name = "string")]
    pub user: Option<String>,
    /// Container hostname
    #[arg(long, value_name = "string")]
    pub hostname: Option<String>,
    /// Overwrite the default ENTRYPOINT of the image
    #[arg(long, value_name = "command", allow_hyphen_values = true)]
    pub entrypoint: Option<String>,
    /// Limit CPUs
    #[arg(long, value_name = "decimal")]
    pub limit_cpu: Option<String>,
    /// Limit Memory
    #[arg(long, value_name = "bytes")]
    pub limit_memory: Option<String>,
    /// Limit maximum number of processes (default 0 = unlimited)
    #[arg(long, value_name = "int")]
    pub limit_pids: Option<String>,
    /// Reserve CPUs
    #[arg(long, value_name = "decimal")]
    pub reserve_cpu: Option<String>,
    /// Reserve Memory
    #[arg(long, value_name = "bytes")]
    pub reserve_memory: Option<String>,
    /// Time to wait before force killing a container (ns|us|ms|s|m|h) (default 10s)
    #[arg(long, value_name = "duration", allow_hyphen_values = true)]
    pub stop_grace_period: Option<String>,
    /// Signal to stop the container
    #[arg(long, value_name = "string")]
    pub stop_signal: Option<String>,
    /// Number of tasks
    #[arg(long, value_name = "uint", allow_hyphen_values = true)]
    pub replicas: Option<String>,
    /// Number of job tasks to run concurrently (default equal to --replicas)
    #[arg(long, value_name = "uint")]
    pub max_concurrent: Option<String>,
    /// Maximum number of tasks per node (default 0 = unlimited)
    #[arg(long, value_name = "uint")]
    pub replicas_max_per_node: Option<String>,
    /// Restart when condition is met ("none", "on-failure", "any") (default "any")
    #[arg(long, value_name = "string")]
    pub restart_condition: Option<String>,
    /// Delay between restart attempts (ns|us|ms|s|m|h) (default 5s)
    #[arg(long, value_name = "duration", allow_hyphen_values = true)]
    pub restart_delay: Option<String>,
    /// Maximum number of restarts before giving up
    #[arg(long, value_name = "uint", allow_hyphen_values = true)]
    pub restart_max_attempts: Option<String>,
    /// Window used to evaluate the restart policy (ns|us|ms|s|m|h)
    #[arg(long, value_name = "duration", allow_hyphen_values = true)]
    pub restart_window: Option<String>,
    /// Maximum number of tasks updated simultaneously (0 to update all at once)
    #[arg(long, value_name = "uint", allow_hyphen_values = true)]
    pub update_parallelism: Option<String>,
    /// Delay between updates (ns|us|ms|s|m|h) (default 0s)
    #[arg(long, value_name = "duration", allow_hyphen_values = true)]
    pub update_delay: Option<String>,
    /// Duration after each task update to monitor for failure (ns|us|ms|s|m|h) (default 5s)
    #[arg(long, value_name = "duration", allow_hyphen_values = true)]
    pub update_monitor: Option<String>,
    /// Action on update failure ("pause", "continue", "rollback") (default "pause")
    #[arg(long, value_name = "string")]
    pub update_failure_action: Option<String>,
    /// Failure rate to tolerate during an update (default 0)
    #[arg(long, value_name = "float", allow_hyphen_values = true)]
    pub update_max_failure_ratio: Option<String>,
    /// Update order ("start-first", "stop-first") (default "stop-first")
    #[arg(long, value_name = "string")]
    pub update_order: Option<String>,
    /// Maximum number of tasks rolled back simultaneously (0 to roll back all at once)
    #[arg(long, value_name = "uint", allow_hyphen_values = true)]
    pub rollback_parallelism: Option<String>,
    /// Delay between task rollbacks (ns|us|ms|s|m|h) (default 0s)
    #[arg(long, value_name = "duration", allow_hyphen_values = true)]
    pub rollback_delay: Option<String>,
    /// Duration after each task rollback to monitor for failure (ns|us|ms|s|m|h) (default 5s)
    #[arg(long, value_name = "duration", allow_hyphen_values = true)]
    pub rollback_monitor: Option<String>,
    /// Action on rollback failure ("pause", "continue") (default "pause")
    #[arg(long, value_name = "string")]
    pub rollback_failure_action: Option<String>,
    /// Failure rate to tolerate during a rollback (default 0)
    #[arg(long, value_name = "float", allow_hyphen_values = true)]
    pub rollback_max_failure_ratio: Option<String>,
    /// Rollback order ("start-first", "stop-first") (default "stop-first")
    #[arg(long, value_name = "string")]
    pub rollback_order: Option<String>,
    /// Endpoint mode (vip or dnsrr) (default "vip")
    #[arg(long, value_name = "string")]
    pub endpoint_mode: Option<String>,
    /// Send registry authentication details to swarm agents
    #[arg(long)]
    pub with_registry_auth: bool,
    /// Do not query the registry to resolve image digest and supported platforms
    #[arg(long)]
    pub no_resolve_image: bool,
    /// Command to run to check health
    #[arg(long, value_name = "string", allow_hyphen_values = true)]
    pub health_cmd: Option<String>,
    /// Time between running the check (ms|s|m|h)
    #[arg(long, value_name = "duration", allow_hyphen_values = true)]
    pub health_interval: Option<String>,
    /// Maximum time to allow one check to run (ms|s|m|h)
    #[arg(long, value_name = "duration", allow_hyphen_values = true)]
    pub health_timeout: Option<String>,
    /// Consecutive failures needed to report unhealthy
    #[arg(long, value_name = "int", allow_hyphen_values = true)]
    pub health_retries: Option<String>,
    /// Start period for the container to initialize before counting retries towards unstable (ms|s|m|h)
    #[arg(long, value_name = "duration", allow_hyphen_values = true)]
    pub health_start_period: Option<String>,
    /// Time between running the check during the start period (ms|s|m|h)
    #[arg(long, value_name = "duration", allow_hyphen_values = true)]
    pub health_start_interval: Option<String>,
    /// Disable any container-specified HEALTHCHECK
    #[arg(long)]
    pub no_healthcheck: bool,
    /// Allocate a pseudo-TTY
    #[arg(short = 't', long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "bool")]
    pub tty: Option<bool>,
    /// Mount the container's root filesystem as read only
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "bool")]
    pub read_only: Option<bool>,
    /// Use an init inside each service container to forward signals and reap processes
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "bool")]
    pub init: Option<bool>,
}

/// `service create [OPTIONS] IMAGE [COMMAND] [ARG...]`.
#[derive(Args, Debug, Clone, Default)]
pub struct CreateFlags {
    /// Service name
    #[arg(long, value_name = "string")]
    pub name: Option<String>,
    /// Service mode ("replicated", "global", "replicated-job", "global-job")
    #[arg(long, value_name = "string", default_value = "replicated")]
    pub mode: String,
    /// Service labels
    #[arg(short = 'l', long, value_name = "list")]
    pub label: Vec<String>,
    /// Container labels
    #[arg(long, value_name = "list")]
    pub container_label: Vec<String>,
    /// Set environment variables
    #[arg(short = 'e', long, value_name = "list")]
    pub env: Vec<String>,
    /// Read in a file of environment variables
    #[arg(long, value_name = "list")]
    pub env_file: Vec<String>,
    /// Attach a filesystem mount to the service
    #[arg(long, value_name = "mount")]
    pub mount: Vec<String>,
    /// Specify secrets to expose to the service
    #[arg(long, value_name = "secret")]
    pub secret: Vec<String>,
    /// Specify configurations to expose to the service
    #[arg(long, value_name = "config")]
    pub config: Vec<String>,
    /// Placement constraints
    #[arg(long, value_name = "list")]
    pub constraint: Vec<String>,
    /// Add a placement preference
    #[arg(long, value_name = "pref")]
    pub placement_pref: Vec<String>,
    /// Publish a port as a node port
    #[arg(short = 'p', long, value_name = "port")]
    pub publish: Vec<String>,
    /// Network attachments
    #[arg(long, value_name = "network")]
    pub network: Vec<String>,
    #[command(flatten)]
    pub common: CommonFlags,
    /// IMAGE [COMMAND] [ARG...]
    #[arg(
        value_name = "IMAGE",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub args: Vec<String>,
}

/// `service update [OPTIONS] SERVICE`.
#[derive(Args, Debug, Clone, Default)]
pub struct UpdateFlags {
    /// Service image tag
    #[arg(long, value_name = "string")]
    pub image: Option<String>,
    /// Service command args
    #[arg(long, value_name = "command", allow_hyphen_values = true)]
    pub args: Option<String>,
    /// Rollback to previous specification
    #[arg(long)]
    pub rollback: bool,
    /// Force update even if no changes require it
    #[arg(long)]
    pub force: bool,
    /// Add or update an environment variable
    #[arg(long, value_name = "list")]
    pub env_add: Vec<String>,
    /// Remove an environment variable
    #[arg(long, value_name = "list")]
    pub env_rm: Vec<String>,
    /// Add or update a service label
    #[arg(long, value_name = "list")]
    pub label_add: Vec<String>,
    /// Remove a label by its key
    #[arg(long, value_name = "list")]
    pub label_rm: Vec<String>,
    /// Add or update a container label
    #[arg(long, value_name = "list")]
    pub container_label_add: Vec<String>,
    /// Remove a container label by its key
    #[arg(long, value_name = "list")]
    pub container_label_rm: Vec<String>,
    /// Add or update a placement constraint
    #[arg(long, value_name = "list")]
    pub constraint_add: Vec<String>,
    /// Remove a constraint
    #[arg(long, value_name = "list")]
    pub constraint_rm: Vec<String>,
    /// Add a placement preference
    #[arg(long, value_name = "pref")]
    pub placement_pref_add: Vec<String>,
    /// Remove a placement preference
    #[arg(long, value_name = "pref")]
    pub placement_pref_rm: Vec<String>,
    /// Add or update a published port
    #[arg(long, value_name = "port")]
    pub publish_add: Vec<String>,
    /// Remove a published port by its target port
    #[arg(long, value_name = "port")]
    pub publish_rm: Vec<String>,
    /// Add or update a mount on a service
    #[arg(long, value_name = "mount")]
    pub mount_add: Vec<String>,
    /// Remove a mount by its target path
    #[arg(long, value_name = "list")]
    pub mount_rm: Vec<String>,
    /// Add or update a secret on a service
    #[arg(long, value_name = "secret")]
    pub secret_add: Vec<String>,
    /// Remove a secret
    #[arg(long, value_name = "list")]
    pub secret_rm: Vec<String>,
    /// Add or update a config file on a service
    #[arg(long, value_name = "config")]
    pub config_add: Vec<String>,
    /// Remove a configuration file
    #[arg(long, value_name = "list")]
    pub config_rm: Vec<String>,
    #[command(flatten)]
    pub common: CommonFlags,
    /// SERVICE
    #[arg(value_name = "SERVICE")]
    pub service: Vec<String>,
}

impl CommonFlags {
    /// Whether any flag that changes the spec was given (`--rollback`
    /// combines only with `-d` and `-q`).
    pub fn changes_spec(&self) -> bool {
        let opts = [
            &self.workdir,
            &self.user,
            &self.hostname,
            &self.entrypoint,
            &self.limit_cpu,
            &self.limit_memory,
            &self.limit_pids,
            &self.reserve_cpu,
            &self.reserve_memory,
            &self.stop_grace_period,
            &self.stop_signal,
            &self.replicas,
            &self.max_concurrent,
            &self.replicas_max_per_node,
            &self.restart_condition,
            &self.restart_delay,
            &self.restart_max_attempts,
            &self.restart_window,
            &self.update_parallelism,
            &self.update_delay,
            &self.update_monitor,
            &self.update_failure_action,
            &self.update_max_failure_ratio,
            &self.update_order,
            &self.rollback_parallelism,
            &self.rollback_delay,
            &self.rollback_monitor,
            &self.rollback_failure_action,
            &self.rollback_max_failure_ratio,
            &self.rollback_order,
            &self.endpoint_mode,
            &self.health_cmd,
            &self.health_interval,
            &self.health_timeout,
            &self.health_retries,
            &self.health_start_period,
            &self.health_start_interval,
        ];
        opts.iter().any(|o| o.is_some())
            || self.with_registry_auth
            || self.no_resolve_image
            || self.no_healthcheck
            || self.tty.is_some()
            || self.read_only.is_some()
            || self.init.is_some()
    }
}

impl UpdateFlags {
    /// Any flag other than `--rollback`, `-d` and `-q`.
    pub fn changes_spec(&self) -> bool {
        let lists = [
            &self.env_add,
            &self.env_rm,
            &self.label_add,
            &self.label_rm,
            &self.container_label_add,
            &self.container_label_rm,
            &self.constraint_add,
            &self.constraint_rm,
            &self.placement_pref_add,
            &self.placement_pref_rm,
            &self.publish_add,
            &self.publish_rm,
            &self.mount_add,
            &self.mount_rm,
        ];
        self.image.is_some()
            || self.args.is_some()
            || self.force
            || lists.iter().any(|l| !l.is_empty())
            || self.common.changes_spec()
    }
}
