//! [`Controller`] for one task run as a host process group.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::sync::{oneshot, watch};

use super::cgroup::{Detected, TaskCgroup};
use super::group::{exit_of, kill_group_and_wait, signal_group};
use super::launch::Launch;
use super::logfile::{pump, Writers};
use super::reaper::{remove_file, remove_pid_file, PidFile};
use crate::{Controller, ExecError, Exit, TaskRun};

use super::health::Outcome;
use crate::health::{self as hc, Health};

/// Once the task's main process exited and its group was killed, how long its output may take
/// to reach end of file before the log writer is told to stop (only a process that left the
/// group, e.g. with `setsid`, can hold the pipes open that long); the same again for the writer
/// to flush and finish. The exit is reported after that, so it never waits on such a process.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(1);

pub(crate) struct ProcessController {
    run: TaskRun,
    log_dir: PathBuf,
    cgroups: Detected,
    writers: Writers,
    /// Set by `prepare`.
    launch: Option<Launch>,
    /// Set by `start`.
    running: Option<Running>,
}

/// A started task: its process group and the watcher's verdict.
struct Running {
    pgid: i32,
    outcome: watch::Receiver<Outcome>,
    /// The health monitor's verdict, when the task has a health check.
    health: Option<watch::Receiver<Health>>,
}

impl Running {
    fn exited(&self) -> bool {
        self.outcome.borrow().is_some()
    }

    fn unhealthy(&self) -> bool {
        self.health
            .as_ref()
            .is_some_and(|h| *h.borrow() == Health::Unhealthy)
    }

    /// Resolves with the outcome; cancel-safe (the watcher task, not this future, reaps).
    async fn outcome(&mut self) -> Result<Exit, ExecError> {
        match self.outcome.wait_for(Option::is_some).await {
            Ok(outcome) => match outcome.as_ref() {
                Some(Ok(exit)) => Ok(exit.clone()),
                Some(Err(e)) => Err(ExecError::Failed(e.clone())),
                None => Err(lost()),
            },
            Err(_) => Err(lost()),
        }
    }
}

fn lost() -> ExecError {
    ExecError::Failed("lost track of the task's process (executor shutting down)".to_string())
}

impl ProcessController {
    pub(crate) fn new(run: TaskRun, log_dir: PathBuf, cgroups: Detected, writers: Writers) -> Self {
        Self {
            run,
            log_dir,
            cgroups,
            writers,
            launch: None,
            running: None,
        }
    }

    fn log_path(&self) -> PathBuf {
        super::log_path(&self.log_dir, &self.run.task_id)
    }

    fn pid_path(&self) -> PathBuf {
        super::pid_path(&self.log_dir, &self.run.task_id)
    }

    async fn open_log(&self) -> std::io::Result<tokio::fs::File> {
        tokio::fs::create_dir_all(&self.log_dir).await?;
        tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .await
    }

    /// The task's cgroup with its limits, if it has limits and the node can enforce them; a
    /// node that cannot runs the task anyway (its engine labels say so).
    async fn make_cgroup(&self) -> Result<Option<TaskCgroup>, ExecError> {
        let limits = self.run.limits;
        if !limits.any() {
            return Ok(None);
        }
        let support = self.cgroups.get().await.clone();
        let unenforced = support.unenforceable(&limits);
        if !unenforced.is_empty() {
            tracing::warn!(
                task = %self.run.task_id,
                limits = ?unenforced,
                support = %support.label(),
                "resource limits not enforced on this node"
            );
        }
        if !support.enforces() {
            return Ok(None);
        }
        // Before the cgroup exists, so a crash leaves nothing unmarked for the next start.
        let marker = self.marker_path();
        if let Err(e) = tokio::fs::write(&marker, "").await {
            // Only the clean-up after a crash is lost; the task itself is fine.
            tracing::warn!(path = %marker.display(), error = %e, "writing cgroup marker failed");
        }
        let name = super::file_stem(&self.run.task_id);
        let reservation = self.run.memory_reservation;
        let made = tokio::task::spawn_blocking(move || support.create(&name, &limits, reservation))
            .await
            .map_err(|e| ExecError::Failed(format!("applying resource limits: {e}")))
            .and_then(|r| {
                r.map_err(|e| ExecError::Failed(format!("applying resource limits: {e}")))
            });
        if !matches!(made, Ok(Some(_))) {
            // Nothing was made, or what was is removed again.
            remove_file(&marker).await;
        }
        made
    }

    fn marker_path(&self) -> PathBuf {
        super::marker_path(&self.log_dir, &self.run.task_id)
    }
}

/// Removes a task's cgroup once its processes are gone (blocking work, off the runtime), then
/// its marker; a cgroup that could not be removed keeps it, for the next daemon start.
async fn remove_cgroup(cgroup: Option<TaskCgroup>, marker: &Path) {
    if let Some(cgroup) = cgroup {
        if let Ok(true) = tokio::task::spawn_blocking(move || cgroup.remove()).await {
            remove_file(marker).await;
        }
    }
}

#[async_trait::async_trait]
impl Controller for ProcessController {
    async fn prepare(&mut self) -> Result<(), ExecError> {
        if self.launch.is_none() {
            self.launch = Some(Launch::check(&self.run).await?);
        }
        Ok(())
    }

    async fn start(&mut self) -> Result<(), ExecError> {
        if self.running.is_some() {
            return Ok(());
        }
        if self.launch.is_none() {
            return Err(ExecError::Failed("start called before prepare".to_string()));
        }
        let sandbox = super::network::make(&self.run, &self.log_dir).await?;
        let log_dir = self.log_dir.clone();
        if let Some(launch) = self.launch.as_mut() {
            launch.set_netns(sandbox.as_ref().map(|s| s.path().to_path_buf()));
        }
        let launch = self.launch.clone().expect("checked above");
        let log = match self.open_log().await {
            Ok(log) => log,
            Err(e) => {
                super::network::remove(sandbox, &log_dir, &self.run.task_id).await;
                return Err(ExecError::Failed(format!(
                    "opening log file {}: {e}",
                    self.log_path().display()
                )));
            }
        };
        let cgroup = match self.make_cgroup().await {
            Ok(c) => c,
            Err(e) => {
                super::network::remove(sandbox, &log_dir, &self.run.task_id).await;
                return Err(e);
            }
        };
        let marker = self.marker_path();
        let procs = cgroup
            .as_ref()
            .map(TaskCgroup::procs_files)
            .unwrap_or_default();
        // Registered before the spawn, so a follow that starts now waits for the output.
        let writing = self.writers.register(&super::file_stem(&self.run.task_id));
        let mut child = match launch.spawn(&procs).await {
            Ok(child) => child,
            Err(e) => {
                remove_cgroup(cgroup, &marker).await;
                super::network::remove(sandbox, &log_dir, &self.run.task_id).await;
                return Err(ExecError::Failed(format!("starting process failed: {e}")));
            }
        };
        let Some(pgid) = child.id().and_then(|pid| i32::try_from(pid).ok()) else {
            // Only possible if it was already reaped, which nothing but us does.
            remove_cgroup(cgroup, &marker).await;
            return Err(ExecError::Failed("process vanished at start".to_string()));
        };
        let pid_path = self.pid_path();
        if let Err(e) = PidFile::describe(pgid).await.write(&pid_path).await {
            // Only the orphan safety net is lost; the task itself is fine.
            tracing::warn!(path = %pid_path.display(), error = %e, "writing pid file failed");
        }

        // The daemon owns the output: the pipes are drained into the log file by `pump`, and
        // the exit is only reported once it is written (bounded by DRAIN_TIMEOUT), so a task's
        // last lines are in its log when `wait` returns.
        let (stop_writer, stop) = oneshot::channel();
        let mut writer = tokio::spawn(pump(
            child.stdout.take(),
            child.stderr.take(),
            log,
            stop,
            writing,
        ));

        let (tx, rx) = watch::channel(None);
        let task_id = self.run.task_id.clone();
        tokio::spawn(async move {
            // Waits on the pid only: a process still holding the pipes does not delay this.
            let status = child.wait().await;
            // As in a container, the rest of the task dies with its main process. (The leader
            // is reaped by now; its pgid cannot be reused while members remain, and a reuse
            // within these microseconds once the group is empty is not realistic.)
            kill_group_and_wait(pgid).await;
            if tokio::time::timeout(DRAIN_TIMEOUT, &mut writer)
                .await
                .is_err()
            {
                tracing::warn!(task = %task_id, "a process outside the task's group keeps its output open; no longer logging it");
                let _ = stop_writer.send(());
                let _ = tokio::time::timeout(DRAIN_TIMEOUT, &mut writer).await;
            }
            // Before the outcome is published: once shutdown returns, nothing is left.
            remove_cgroup(cgroup, &marker).await;
            super::network::remove(sandbox, &log_dir, &task_id).await;
            remove_pid_file(&pid_path).await;
            let outcome = status
                .map(exit_of)
                .map_err(|e| format!("waiting for the task's process failed: {e}"));
            tracing::debug!(task = %task_id, ?outcome, "task process ended");
            // The controller may be gone; nobody to tell then.
            let _ = tx.send(Some(outcome));
        });
        let health = hc::from_spec(self.run.healthcheck.as_ref())
            .map(|check| super::health::spawn(check, launch.clone(), &self.run, pgid, rx.clone()));
        self.running = Some(Running {
            pgid,
            outcome: rx,
            health,
        });
        Ok(())
    }

    async fn wait(&mut self) -> Result<Exit, ExecError> {
        match &mut self.running {
            Some(running) => {
                let exit = running.outcome().await;
                if running.unhealthy() {
                    return Err(ExecError::Failed(hc::UNHEALTHY.to_string()));
                }
                exit
            }
            None => Err(ExecError::Failed("wait called before start".to_string())),
        }
    }

    async fn healthy(&mut self) -> Result<(), ExecError> {
        let Some(running) = &mut self.running else {
            return Err(ExecError::Failed("healthy called before start".to_string()));
        };
        let Some(health) = &mut running.health else {
            return Ok(());
        };
        let mut health = health.clone();
        let mut outcome = running.outcome.clone();
        tokio::select! {
            _ = health.wait_for(|h| *h != Health::Starting) => {}
            _ = outcome.wait_for(Option::is_some) => {}
        }
        if running.unhealthy() {
            return Err(ExecError::Failed(hc::UNHEALTHY.to_string()));
        }
        Ok(())
    }

    async fn shutdown(&mut self) -> Result<(), ExecError> {
        let Some(running) = &mut self.running else {
            return Ok(());
        };
        if running.exited() {
            return Ok(());
        }
        signal_group(running.pgid, libc::SIGTERM);
        let grace = self.run.stop_grace;
        if tokio::time::timeout(grace, running.outcome())
            .await
            .is_err()
        {
            tracing::info!(task = %self.run.task_id, ?grace, "grace period over, sending SIGKILL");
            signal_group(running.pgid, libc::SIGKILL);
        }
        // The watcher publishes only once the whole group is gone. How the task ended is
        // `wait`'s business; shutdown only fails if that can no longer be known.
        match running.outcome().await {
            Err(e) if !running.exited() => Err(e),
            _ => Ok(()),
        }
    }

    async fn remove(&mut self) -> Result<(), ExecError> {
        self.shutdown().await?;
        // Like `docker rm`, removing the task removes its logs.
        for path in [self.pid_path(), self.log_path()] {
            if let Err(e) = tokio::fs::remove_file(&path).await {
                if e.kind() != std::io::ErrorKind::NotFound {
                    return Err(ExecError::Failed(format!(
                        "removing {}: {e}",
                        path.display()
                    )));
                }
            }
        }
        Ok(())
    }
}

impl Drop for ProcessController {
    /// A task nobody can stop any more must not outlive its controller: kill its group.
    fn drop(&mut self) {
        if let Some(running) = &self.running {
            if !running.exited() {
                tracing::warn!(task = %self.run.task_id, "controller dropped while its process runs; killing it");
                signal_group(running.pgid, libc::SIGKILL);
            }
        }
    }
}
