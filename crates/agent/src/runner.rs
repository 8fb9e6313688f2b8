//! One task's runner: advances the task one executor step at a time toward its desired
//! state and reports every observed state change.

use crate::dispatcher_api::StatusUpdate;
use crate::run_spec::assignment_run;
use crate::step::{next_step, Step};
use shoal_api::{
    Assignment, ContainerStatus, PortConfig, PortStatus, Task, TaskState, TaskStatus, Timestamp,
};
use shoal_executor::{Controller, ExecError, Executor};
use std::sync::Arc;
use tokio::sync::{mpsc, watch};

/// The task's host-mode ports as `Status.PortStatus` (what `service ps` shows).
fn port_status(task: &Task) -> PortStatus {
    let ports = crate::run_spec::host_ports(task)
        .into_iter()
        .map(|p| PortConfig {
            protocol: p.protocol,
            target_port: p.target,
            published_port: Some(p.published),
            publish_mode: "host".into(),
            ..Default::default()
        })
        .collect();
    PortStatus { ports }
}

/// What the agent wants of a runner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Want {
    pub desired: TaskState,
    /// The task left the assignment set (or the node leaves): stop, clean up, exit.
    pub gone: bool,
    /// The daemon stops: stop the task and exit, keeping its leftovers.
    pub halt: bool,
}

impl Want {
    pub fn desired(desired: TaskState) -> Want {
        Want {
            desired,
            gone: false,
            halt: false,
        }
    }
}

struct Runner {
    task_id: String,
    /// `Status.PortStatus` once the task runs: its host-mode ports (empty object if none).
    ports: PortStatus,
    observed: TaskState,
    ctl: Box<dyn Controller>,
    report: mpsc::UnboundedSender<StatusUpdate>,
    in_service: crate::data_plane::InService,
}

impl Runner {
    fn set(&mut self, state: TaskState, message: &str, err: String, exit: Option<i64>) {
        self.observed = state;
        let status = TaskStatus {
            timestamp: Timestamp::now(),
            state,
            message: message.into(),
            err,
            container_status: exit.map(|code| ContainerStatus {
                exit_code: code,
                ..Default::default()
            }),
            port_status: if state == TaskState::Running {
                self.ports.clone()
            } else {
                PortStatus::default()
            },
        };
        let _ = self.report.send(StatusUpdate {
            task_id: self.task_id.clone(),
            status,
        });
    }

    fn fail(&mut self, e: ExecError) {
        match e {
            ExecError::Rejected(m) => self.set(TaskState::Rejected, "rejected", m, None),
            other => self.set(TaskState::Failed, "failed", other.to_string(), None),
        }
    }

    /// Stops the task; `drain`: first wait for the data plane to stop sending it traffic.
    async fn stop(&mut self, drain: bool) {
        if self.observed.is_terminal() {
            return;
        }
        if self.observed >= TaskState::Accepted {
            if drain && self.observed == TaskState::Running {
                crate::data_plane::drained(&mut self.in_service, &self.task_id).await;
            }
            let err = match self.ctl.shutdown().await {
                Ok(()) => String::new(),
                Err(e) => e.to_string(),
            };
            self.set(TaskState::Shutdown, "shutdown", err, None);
        } else {
            // Never accepted (e.g. assigned while this node was cut off, then replaced):
            // nothing runs, so it is shut down as it is. Leaving the state unchanged would
            // make the runner loop without ever waiting.
            self.set(TaskState::Shutdown, "shutdown", String::new(), None);
        }
    }

    /// Performs one step; returns false when the runner should wait for a new `Want`.
    async fn step(&mut self, want: Want, wants: &mut watch::Receiver<Want>) -> bool {
        match next_step(self.observed, want.desired) {
            Step::Accept => self.set(TaskState::Accepted, "accepted", String::new(), None),
            Step::Prepare => {
                self.set(TaskState::Preparing, "preparing", String::new(), None);
                match self.ctl.prepare().await {
                    Ok(()) => self.set(TaskState::Ready, "prepared", String::new(), None),
                    Err(e) => self.fail(e),
                }
            }
            Step::Start => {
                // Re-entered after a new want while waiting for health: already STARTING.
                if self.observed != TaskState::Starting {
                    self.set(TaskState::Starting, "starting", String::new(), None);
                }
                if let Err(e) = self.ctl.start().await {
                    self.fail(e);
                    return true;
                }
                // With a health check the task stays STARTING until healthy (Swarm).
                tokio::select! {
                    health = self.ctl.healthy() => match health {
                        Ok(()) => self.set(TaskState::Running, "started", String::new(), None),
                        Err(e) => self.fail(e),
                    },
                    // A new want: re-decide (healthy is cancel-safe, start idempotent).
                    _ = wants.changed() => {}
                }
            }
            Step::Wait => {
                tokio::select! {
                    exit = self.ctl.wait() => match exit {
                        Ok(x) if x.code == 0 => {
                            self.set(TaskState::Complete, "finished", String::new(), Some(0))
                        }
                        Ok(x) => self.set(
                            TaskState::Failed,
                            "started",
                            format!("task: non-zero exit ({})", x.code),
                            Some(x.code),
                        ),
                        Err(e) => self.fail(e),
                    },
                    // A new want: re-decide (wait is cancel-safe).
                    _ = wants.changed() => {}
                }
            }
            Step::Shutdown => self.stop(true).await,
            Step::Idle => return false,
        }
        true
    }
}

/// Runs the assignment's task until it is gone or the agent halts. `adopt`: the executor still runs this
/// task from before a daemon restart.
pub async fn run(
    assignment: Assignment,
    adopt: bool,
    executor: Arc<dyn Executor>,
    mut wants: watch::Receiver<Want>,
    report: mpsc::UnboundedSender<StatusUpdate>,
    in_service: crate::data_plane::InService,
) {
    let task = &assignment.task;
    let mut r = Runner {
        task_id: task.id.clone(),
        ports: port_status(task),
        observed: task.status.state,
        ctl: executor.controller(assignment_run(&assignment)),
        report,
        in_service,
    };
    if r.observed >= TaskState::Starting && !r.observed.is_terminal() {
        if adopt {
            // Re-attach: prepare adopts the existing container, start is a no-op.
            if let Err(e) = r.ctl.prepare().await {
                r.fail(e);
            }
        } else {
            r.set(
                TaskState::Failed,
                "failed",
                "task lost: its process ended while the node's daemon was down".into(),
                None,
            );
        }
    } else if r.observed > TaskState::Assigned && r.observed < TaskState::Starting {
        // Half-prepared before a restart: prepare again (it is idempotent).
        r.observed = TaskState::Accepted;
    }
    loop {
        let want = *wants.borrow_and_update();
        if want.gone || want.halt {
            // A halting agent (daemon stop, leave) takes the whole node out: no draining.
            r.stop(!want.halt).await;
            if want.gone {
                let _ = r.ctl.remove().await;
            }
            return;
        }
        if !r.step(want, &mut wants).await && wants.changed().await.is_err() {
            return;
        }
    }
}
