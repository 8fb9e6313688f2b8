//! The process executor's health monitor: runs the task's probe every interval (with its
//! timeout), feeds the results to a [`HealthTracker`], publishes the health, and stops the
//! task's process group once it is unhealthy (SIGTERM, SIGKILL after the stop grace), as the
//! engine plus swarmkit do for a container.

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use super::group::signal_group;
use super::launch::Launch;
use crate::health::{Health, HealthCheck, HealthTracker};
use crate::{Exit, TaskRun};

/// The task watcher's verdict (see the controller).
pub(crate) type Outcome = Option<Result<Exit, String>>;

/// Starts monitoring the task whose group is `pgid`; the monitor ends with the task.
pub(crate) fn spawn(
    check: HealthCheck,
    launch: Launch,
    run: &TaskRun,
    pgid: i32,
    mut outcome: watch::Receiver<Outcome>,
) -> watch::Receiver<Health> {
    let (tx, rx) = watch::channel(Health::Starting);
    let task_id = run.task_id.clone();
    let grace = run.stop_grace;
    tokio::spawn(async move {
        let started = Instant::now();
        let mut tracker = HealthTracker::new(&check);
        loop {
            tokio::select! {
                _ = tokio::time::sleep(check.next_interval(tracker.status(), started.elapsed())) => {}
                _ = outcome.wait_for(Option::is_some) => return,
            }
            let ok = probe(&launch, &check).await;
            if outcome.borrow().is_some() {
                return;
            }
            let health = tracker.record(ok, started.elapsed());
            tx.send_if_modified(|h| std::mem::replace(h, health) != health);
            if health == Health::Unhealthy {
                tracing::info!(task = %task_id, "health check failed; stopping the task");
                signal_group(pgid, libc::SIGTERM);
                let exited = outcome.wait_for(Option::is_some);
                if tokio::time::timeout(grace, exited).await.is_err() {
                    signal_group(pgid, libc::SIGKILL);
                }
                return;
            }
        }
    });
    rx
}

/// Runs the probe once; true when it exits 0 within the timeout.
async fn probe(launch: &Launch, check: &HealthCheck) -> bool {
    let mut child = match launch.probe_command(&check.probe).spawn() {
        Ok(child) => child,
        Err(e) => {
            tracing::debug!(error = %e, "health probe did not start");
            return false;
        }
    };
    match tokio::time::timeout(check.timeout, child.wait()).await {
        Ok(Ok(status)) => status.success(),
        Ok(Err(_)) => false,
        Err(_) => {
            if let Some(pid) = child.id().and_then(|p| i32::try_from(p).ok()) {
                signal_group(pid, libc::SIGKILL);
            }
            let _ = tokio::time::timeout(Duration::from_secs(1), child.wait()).await;
            false
        }
    }
}
