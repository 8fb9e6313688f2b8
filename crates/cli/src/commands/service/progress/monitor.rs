//! docker's `ServiceProgress` loop as a state machine with time passed in:
//! each round the shell fetches the service, then (unless finished) its
//! up-to-date tasks and the live nodes, and feeds them here. Once every
//! task runs, the monitor waits the service's `UpdateConfig.Monitor`
//! (5 s by default) to see that they stay up before calling it converged.

use super::msg::Msg;
use super::updater::Updater;
use shoal_api::{Service, Task};
use std::collections::HashSet;
use std::time::Duration;

/// How long tasks must stay up when the service does not say.
pub const DEFAULT_MONITOR: Duration = Duration::from_secs(5);

/// Whether to keep polling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Continue,
    Done,
}

#[derive(Debug, Clone)]
pub struct Monitor {
    /// The service as the user named it, for "Service <ref> converged".
    service_ref: String,
    updater: Option<Updater>,
    converged: bool,
    /// When convergence was first seen (time since the monitor started).
    converged_at: Option<Duration>,
    monitor: Duration,
    rollback: bool,
    /// Printed after "converged" when a rollback completed.
    final_message: Option<Msg>,
}

impl Monitor {
    pub fn new(service_ref: &str) -> Monitor {
        Monitor {
            service_ref: service_ref.to_string(),
            updater: None,
            converged: false,
            converged_at: None,
            monitor: DEFAULT_MONITOR,
            rollback: false,
            final_message: None,
        }
    }

    pub fn converged(&self) -> bool {
        self.converged
    }

    /// First half of a round, with the service just fetched. An `Err` is
    /// the command's error (a paused update or rollback).
    pub fn on_service(
        &mut self,
        service: &Service,
        now: Duration,
        out: &mut Vec<Msg>,
    ) -> Result<Step, String> {
        if let Some(m) = service
            .spec
            .update_config
            .as_ref()
            .and_then(|u| u.monitor)
            .filter(|m| *m > 0)
        {
            self.monitor = Duration::from_nanos(m as u64);
        }
        if self.updater.is_none() {
            self.updater = Some(Updater::for_service(service));
        }
        if let Some(status) = &service.update_status {
            match status.state.as_str() {
                "updating" => self.rollback = false,
                // The update finished before its tasks were seen converging
                // (docker stops here too).
                "completed" if !self.converged => return Ok(Step::Done),
                "paused" => return Err(format!("service update paused: {}", status.message)),
                "rollback_started" => {
                    if !self.rollback && !status.message.is_empty() {
                        out.push(Msg::progress("rollback", status.message.clone()));
                    }
                    self.rollback = true;
                }
                "rollback_paused" => {
                    return Err(format!("service rollback paused: {}", status.message))
                }
                "rollback_completed" => {
                    if !self.converged {
                        self.final_message = Some(Msg::status("rollback", status.message.clone()));
                    }
                    self.rollback = true;
                }
                _ => {}
            }
        }
        if self.converged && self.stable_for(now) >= self.monitor {
            out.push(Msg::progress(
                "verify",
                format!("Service {} converged", self.service_ref),
            ));
            if let Some(m) = self.final_message.take() {
                out.push(m);
            }
            return Ok(Step::Done);
        }
        Ok(Step::Continue)
    }

    /// Second half of a round, with the service's up-to-date tasks and the
    /// IDs of nodes that are not down.
    pub fn on_tasks(
        &mut self,
        service: &Service,
        tasks: &[Task],
        active_nodes: &HashSet<String>,
        now: Duration,
        out: &mut Vec<Msg>,
    ) -> Step {
        let rollback = self.rollback;
        let updater = self
            .updater
            .get_or_insert_with(|| Updater::for_service(service));
        self.converged = updater.update(service, tasks, active_nodes, rollback, out);
        if self.converged {
            // Jobs stay done once done: nothing to verify.
            if updater.is_job() {
                out.push(Msg::status("", "job complete"));
                return Step::Done;
            }
            let since = *self.converged_at.get_or_insert(now);
            let stable = now.saturating_sub(since);
            if stable <= self.monitor {
                // docker computes `wait/time.Second + 1` a few nanoseconds
                // after convergence, so a whole 5 s reads "5 seconds".
                let wait = self.monitor - stable;
                let secs = wait.saturating_sub(Duration::from_nanos(1)).as_secs() + 1;
                out.push(Msg::progress(
                    "verify",
                    format!("Waiting {secs} seconds to verify that tasks are stable..."),
                ));
            }
        } else {
            if self.converged_at.is_some() {
                out.push(Msg::progress("verify", "Detected task failure"));
            }
            self.converged_at = None;
        }
        Step::Continue
    }

    fn stable_for(&self, now: Duration) -> Duration {
        self.converged_at
            .map_or(Duration::ZERO, |t| now.saturating_sub(t))
    }
}
