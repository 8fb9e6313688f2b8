//! Task executors for shoal workers.
//!
//! A worker runs each assigned task through an [`Executor`]: it asks for a [`Controller`] per
//! task and drives it step by step (`prepare` → `start` → `wait` → `shutdown` → `remove`), the
//! way swarmkit's `exec.Controller` is driven. Two implementations exist:
//!
//! * [`docker::DockerExecutor`] runs tasks as containers on a local Docker Engine;
//! * [`process::ProcessExecutor`] runs tasks as plain host processes (no isolation).
//!
//! With the `fake` feature, `fake::FakeExecutor` runs nothing, for tests and benchmarks.

mod error;
mod logs;
mod task;
mod timestamp;

pub mod docker;
#[cfg(feature = "fake")]
pub mod fake;
pub mod health;
pub mod process;

pub use error::ExecError;
pub use logs::{LogLine, LogOptions, LogSource, LogStream};
pub use task::{
    Exit, HostPort, Limits, NodeFacts, TaskFile, TaskNetwork, TaskRun, DEFAULT_STOP_GRACE,
    RESOURCE_LIMITS_LABEL,
};

/// Label keys put on every container the docker executor creates (Docker's swarm mode uses the
/// same `com.docker.swarm.*` keys, so `docker ps --filter` works as users expect).
pub mod labels {
    pub const SERVICE_ID: &str = "com.docker.swarm.service.id";
    pub const SERVICE_NAME: &str = "com.docker.swarm.service.name";
    pub const TASK_ID: &str = "com.docker.swarm.task.id";
    pub const TASK_NAME: &str = "com.docker.swarm.task.name";
    pub const NODE_ID: &str = "com.docker.swarm.node.id";
    /// Marks containers owned by shoal (value `"true"`), so restarts only adopt our own.
    pub const MANAGED: &str = "shoal.managed";
    /// On engine networks shoal makes for a swarm network: that network's ID.
    pub const NETWORK_ID: &str = "shoal.network.id";
}

/// Runs tasks on this node.
#[async_trait::async_trait]
pub trait Executor: Send + Sync {
    /// `"docker"` or `"process"`.
    fn kind(&self) -> &'static str;

    /// Facts about the node for `Node.Description`.
    async fn describe(&self) -> Result<NodeFacts, ExecError>;

    /// A controller for one task. Does not start anything yet.
    fn controller(&self, run: TaskRun) -> Box<dyn Controller>;

    /// IDs of tasks still running from before a daemon restart (docker: running containers
    /// labelled with `node_id` and `shoal.managed=true`; process: always empty, host processes
    /// die with the daemon by design).
    async fn running_tasks(&self, node_id: &str) -> Result<Vec<String>, ExecError>;

    /// Removes whatever is left of this node's tasks, tracked or not (the node leaves the
    /// swarm, possibly before its agent re-attached to them after a restart).
    async fn remove_all(&self, node_id: &str) -> Result<(), ExecError>;

    /// The task's logs (`service logs`): what it wrote so far (filtered by `opts`), then,
    /// with `opts.follow`, what it writes until it exits or the stream is dropped. A task
    /// that never started, or whose logs were removed with it, has none (an empty stream).
    async fn logs(&self, run: &TaskRun, opts: LogOptions) -> Result<LogStream, ExecError> {
        let _ = (run, opts);
        Err(ExecError::Failed(format!(
            "the {} executor keeps no logs",
            self.kind()
        )))
    }
}

/// Drives one task; the agent calls the steps in order, one step per call (swarmkit's
/// `Controller`).
///
/// # Concurrency contract
///
/// Methods take `&mut self`, so calls never overlap. What makes "wait while a shutdown request
/// arrives" work is that **[`wait`](Controller::wait) is cancel-safe and repeatable**:
///
/// * dropping a `wait` future loses nothing (the exit is observed by the implementation itself,
///   not by the future);
/// * `wait` may be called any number of times; once the task has exited, every call returns the
///   same [`Exit`] at once.
///
/// So the agent does:
///
/// ```ignore
/// tokio::select! {
///     exit = ctl.wait() => report(exit),
///     _ = shutdown_requested() => {
///         ctl.shutdown().await?;          // returns once the task has stopped
///         report(ctl.wait().await);       // immediate: the exit is already known
///     }
/// }
/// ```
///
/// [`shutdown`](Controller::shutdown) and [`remove`](Controller::remove) are idempotent and
/// succeed when there is nothing to stop or remove. `shutdown` is not cancel-safe in the sense
/// that cancelling it mid-grace leaves the task signalled with SIGTERM but not yet killed;
/// calling it again resumes the escalation.
#[async_trait::async_trait]
pub trait Controller: Send {
    /// Gets ready to start. Docker: pulls the image if absent and creates the container, adopting
    /// an existing container with this task's name and labels instead of creating a duplicate; an
    /// image that is absent and cannot be pulled is `Rejected` with the engine's message (e.g.
    /// `No such image: nosuch:latest`). Process: checks the program and working directory exist
    /// (`Rejected` otherwise).
    async fn prepare(&mut self) -> Result<(), ExecError>;

    /// Starts the task; `Ok` if it was already started (adoption after a daemon restart).
    async fn start(&mut self) -> Result<(), ExecError>;

    /// Resolves when the main process exits (an `Err` with [`health::UNHEALTHY`] when the
    /// executor stopped it for failing its health check). Cancel-safe and repeatable, see the trait docs.
    /// Call it after `start` (docker: a created but never started container already counts as
    /// "not running"; process: `Failed` before `start`).
    async fn wait(&mut self) -> Result<Exit, ExecError>;

    /// Resolves once the started task is healthy, at once when it has no health check (or
    /// when it exited: `wait` then tells how). `Err(Failed(`[`health::UNHEALTHY`]`))` once the
    /// health check declared it unhealthy; the executor has then stopped it, and `wait`
    /// returns that same error. Cancel-safe and repeatable, like `wait`.
    async fn healthy(&mut self) -> Result<(), ExecError> {
        Ok(())
    }

    /// Graceful stop: SIGTERM, then SIGKILL after `stop_grace`. Returns once the task is no
    /// longer running; `Ok` if it was not running.
    async fn shutdown(&mut self) -> Result<(), ExecError>;

    /// Removes what the task left behind (container / pid and log files), stopping it first if
    /// needed. `Ok` if already gone.
    async fn remove(&mut self) -> Result<(), ExecError>;
}
