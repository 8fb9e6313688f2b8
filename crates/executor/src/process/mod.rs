//! The process executor: tasks run as plain host processes, without isolation.
//!
//! The program is `command ++ args` (the image is ignored), looked up in PATH. Each task runs in
//! its own session and process group, with its pgid in `<log_dir>/<task_id>.pid` while it runs.
//! Its stdout and stderr are pipes read by the daemon, which appends one timestamped record per
//! line to `<log_dir>/<task_id>.log` and serves them back through [`Executor::logs`]; the exit
//! is reported once the last lines are written. The records are Kubernetes' CRI log format,
//! `<RFC 3339 UTC time, 9 digits> <stdout|stderr> <F|P> <raw bytes>\n`, `F` ending a line and
//! `P` a piece of one (lines are cut at 16 KiB; output ending without a newline ends with `P`);
//! see `logfile.rs`. Tasks die
//! with the daemon (PR_SET_PDEATHSIG), so nothing is adopted after a restart;
//! [`ProcessExecutor::reap_leftovers`] kills what PDEATHSIG could not reach and removes the task
//! cgroups a crashed daemon left. `user` is honoured
//! (the daemon must be root to switch); `hostname` is not, processes share the host's.
//!
//! `Resources.Limits` (cpu, memory, pids) are enforced with a cgroup per task where the kernel
//! offers one, see [`cgroup`]; the node's engine label `shoal.resource-limits` tells which kind,
//! or why limits go unenforced.
//!
//! A health check (`ContainerSpec.Healthcheck`) is run by the executor itself, see
//! [`health`]'s module docs; there is no image, hence no image `HEALTHCHECK`.
//!
//! Dropping a controller whose process still runs kills its process group: nothing else could
//! stop it any more.

mod cgroup;
mod controller;
mod group;
mod health;
mod launch;
mod logfile;
mod network;
mod reaper;
mod spawner;
mod user;

use std::path::{Path, PathBuf};

use crate::{
    Controller, ExecError, Executor, LogOptions, LogStream, NodeFacts, TaskRun,
    RESOURCE_LIMITS_LABEL,
};
use controller::ProcessController;
use logfile::Writers;

/// Runs tasks as host processes.
#[derive(Debug, Clone)]
pub struct ProcessExecutor {
    log_dir: PathBuf,
    hostname: String,
    cgroups: cgroup::Detected,
    /// The log files this executor's tasks are writing.
    writers: Writers,
}

impl ProcessExecutor {
    /// An executor keeping task logs and pid files in `log_dir` (created on first use) and
    /// reporting `hostname` as the node's.
    pub fn new(log_dir: PathBuf, hostname: String) -> Self {
        Self {
            log_dir,
            hostname,
            cgroups: cgroup::Detected::default(),
            writers: Writers::default(),
        }
    }

    /// The file a task's stdout and stderr are appended to, one record per line (see the
    /// module docs).
    pub fn log_path(&self, task_id: &str) -> PathBuf {
        log_path(&self.log_dir, task_id)
    }

    /// Kills the process groups named by pid files left in `log_dir` by a previous daemon (a task
    /// spawned in the background survives PDEATHSIG), then deletes those files. Then removes the
    /// task cgroups that daemon left (it crashed before it could), killing any process still in
    /// them, and their marker files: only cgroups in the `shoal` subtrees that `log_dir`'s files
    /// name as this executor's, never another daemon's (see [`cgroup`]). Returns how many groups
    /// were killed. Never fails (problems are logged); a no-op for cgroups where there are none.
    /// Call it at daemon start, before starting any task.
    pub async fn reap_leftovers(&self) -> usize {
        // Listed first: reaping deletes the pid files, which name cgroups too.
        let files = reaper::file_names(&self.log_dir).await;
        let owned = cgroup::owned_names(files.iter().map(String::as_str));
        let killed = reaper::reap(&self.log_dir).await;
        let sandboxes = network::reap(&self.log_dir).await;
        if sandboxes > 0 {
            tracing::info!(
                sandboxes,
                "removed network namespaces left by a previous daemon"
            );
        }
        if !owned.is_empty() {
            self.reap_cgroups(owned).await;
        }
        killed
    }

    async fn reap_cgroups(&self, owned: Vec<String>) {
        let support = self.cgroups.get().await.clone();
        let (gone, removed) = if support.enforces() {
            match tokio::task::spawn_blocking(move || cgroup::reap_stale(&support, &owned)).await {
                Ok(result) => result,
                Err(e) => {
                    tracing::warn!(error = %e, "removing task cgroups left by a previous daemon failed");
                    return;
                }
            }
        } else {
            // No cgroups here (any more): the markers name nothing.
            (owned, 0)
        };
        if removed > 0 {
            tracing::info!("removed {removed} task cgroup(s) left by a previous daemon");
        }
        for name in gone {
            reaper::remove_file(&marker_path(&self.log_dir, &name)).await;
        }
    }
}

/// Task ids are ours, but keep a hostile one from escaping `log_dir`.
fn file_stem(task_id: &str) -> String {
    task_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn log_path(dir: &Path, task_id: &str) -> PathBuf {
    dir.join(format!("{}.log", file_stem(task_id)))
}

fn pid_path(dir: &Path, task_id: &str) -> PathBuf {
    dir.join(format!("{}.pid", file_stem(task_id)))
}

/// The file marking the task's cgroup as this executor's while it may exist (see [`cgroup`]).
fn marker_path(dir: &Path, task_id: &str) -> PathBuf {
    dir.join(format!("{}.{}", file_stem(task_id), cgroup::MARKER_EXT))
}

#[async_trait::async_trait]
impl Executor for ProcessExecutor {
    fn kind(&self) -> &'static str {
        "process"
    }

    async fn describe(&self) -> Result<NodeFacts, ExecError> {
        let cpus = tokio::task::spawn_blocking(std::thread::available_parallelism)
            .await
            .ok()
            .and_then(Result::ok)
            .map_or(1, |n| n.get());
        let memory_bytes = tokio::fs::read_to_string("/proc/meminfo")
            .await
            .ok()
            .and_then(|meminfo| mem_total(&meminfo))
            .unwrap_or(0);
        Ok(NodeFacts {
            hostname: self.hostname.clone(),
            os: std::env::consts::OS.to_string(),
            arch: std::env::consts::ARCH.to_string(),
            nano_cpus: i64::try_from(cpus).unwrap_or(i64::MAX / 1_000_000_000) * 1_000_000_000,
            memory_bytes,
            engine_version: format!("shoal-process/{}", env!("CARGO_PKG_VERSION")),
            engine_labels: [(
                RESOURCE_LIMITS_LABEL.to_string(),
                self.cgroups.get().await.label(),
            )]
            .into(),
        })
    }

    fn controller(&self, run: TaskRun) -> Box<dyn Controller> {
        Box::new(ProcessController::new(
            run,
            self.log_dir.clone(),
            self.cgroups.clone(),
            self.writers.clone(),
        ))
    }

    async fn running_tasks(&self, _node_id: &str) -> Result<Vec<String>, ExecError> {
        // Host processes die with the daemon by design: there is nothing to adopt.
        Ok(Vec::new())
    }

    async fn remove_all(&self, _node_id: &str) -> Result<(), ExecError> {
        self.reap_leftovers().await;
        Ok(())
    }

    /// Reads the task's log file; a follow polls it for new records until the
    /// task's log writer is done (its process exited and its last lines are written) and all is
    /// read. Only this executor's own tasks are followed: a follow on a task it is not running
    /// ends after the lines already there.
    async fn logs(&self, run: &TaskRun, opts: LogOptions) -> Result<LogStream, ExecError> {
        // The writer first: if it is done by the time the file is read, the read sees it all.
        let writer = self.writers.get(&file_stem(&run.task_id));
        logfile::read(&self.log_path(&run.task_id), opts, writer).await
    }
}

/// `MemTotal` from /proc/meminfo, in bytes.
fn mem_total(meminfo: &str) -> Option<i64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: i64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_stay_in_the_log_dir() {
        assert_eq!(
            log_path(Path::new("/d"), "../x/y"),
            PathBuf::from("/d/___x_y.log")
        );
        assert_eq!(
            pid_path(Path::new("/d"), "abc123"),
            PathBuf::from("/d/abc123.pid")
        );
        assert_eq!(
            marker_path(Path::new("/d"), "a.b"),
            PathBuf::from("/d/a_b.cgroup")
        );
        // Whatever the task id, its cgroup's name is one the reaper recognises.
        for id in ["abc123", "../x", "", "a b"] {
            let stem = file_stem(id);
            assert_eq!(cgroup::is_task_cgroup_name(&stem), !id.is_empty(), "{id:?}");
        }
    }

    #[test]
    fn reads_mem_total() {
        assert_eq!(
            mem_total("MemTotal:       2048 kB\nMemFree: 1 kB\n"),
            Some(2048 * 1024)
        );
    }
}
