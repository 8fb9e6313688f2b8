//! The update monitor: decides when a rolling update or rollback is over, and what happens
//! when its new tasks fail.
//!
//! The control API starts an update (`updating` / `rollback_started`). This marks it
//! `completed` / `rollback_completed` once every slot runs the current spec and has stayed
//! up for the monitor period, and applies the failure action when more than
//! `max_failure_ratio` of the slots had a task of this update fail (or end) before it had
//! run for the monitor period, as swarmkit's updater does: `pause` (-> `paused`),
//! `rollback` (back to the previous spec, `rollback_started`; a rollback is never rolled
//! back, it pauses), `continue` (nothing). The CLI's progress display and `service inspect`
//! read the result.

use crate::index::TasksByService;
use crate::orchestrator::is_dirty;
use crate::plan::Plan;
use crate::slots::{group, SlotKey};
use crate::update_config::{FailureAction, Rollout};
use shoal_api::{Endpoint, ModeKind, Service, Task, TaskState, Timestamp, UpdateStatus};
use shoal_store::{Op, State};

/// Services with an update or rollback in progress, with its settings.
fn in_progress(state: &State) -> impl Iterator<Item = (&Service, &UpdateStatus, Rollout)> + '_ {
    state.services.values().filter_map(|svc| {
        let us = svc.update_status.as_ref()?;
        matches!(us.state.as_str(), "updating" | "rollback_started")
            .then(|| (svc, us, Rollout::of(svc)))
    })
}

/// Applies the failure action of every update whose new tasks failed too often.
pub fn check_failures(state: &State, tasks: &TasksByService, now: Timestamp, plan: &mut Plan) {
    for (svc, us, rollout) in in_progress(state) {
        if let Some(op) = failure_action(state, tasks, svc, us, &rollout, now) {
            plan.ops.push(op);
            plan.halted.insert(svc.id.clone());
        }
    }
}

/// Marks finished updates and rollbacks complete.
pub fn check_complete(state: &State, tasks: &TasksByService, now: Timestamp, plan: &mut Plan) {
    for (svc, us, rollout) in in_progress(state) {
        if !plan.halted.contains(&svc.id) {
            complete(state, tasks, svc, us, &rollout, now, plan);
        }
    }
}

/// The tasks of this update that failed or ended early, oldest end first.
fn failures<'s>(
    state: &State,
    tasks: &TasksByService<'s>,
    svc: &Service,
    rollout: &Rollout,
) -> Vec<&'s Task> {
    let mut failed: Vec<&Task> = tasks
        .of(&svc.id)
        .filter(|t| {
            t.created_at >= rollout.started_at
                && matches!(
                    t.status.state,
                    TaskState::Failed | TaskState::Rejected | TaskState::Complete
                )
                && !is_dirty(t, svc, &state.nodes)
                && (t.started_at.is_zero()
                    || t.status.timestamp.since(t.started_at) <= rollout.monitor)
        })
        .collect();
    failed.sort_by_key(|t| (t.status.timestamp, t.id.clone()));
    failed
}

/// How many slots the update covers: the replica count, or the nodes a global service
/// runs on.
fn slot_count(tasks: &TasksByService, svc: &Service) -> usize {
    match svc.spec.mode.kind() {
        ModeKind::Replicated(n) => n as usize,
        _ => group(tasks.of(&svc.id))
            .into_iter()
            .filter(|(k, ts)| {
                matches!(k, SlotKey::Node(_)) && ts.iter().any(|t| t.desired_state.is_runnable())
            })
            .count(),
    }
    .max(1)
}

fn failure_action(
    state: &State,
    tasks: &TasksByService,
    svc: &Service,
    us: &UpdateStatus,
    rollout: &Rollout,
    now: Timestamp,
) -> Option<Op> {
    if rollout.failure_action == FailureAction::Continue {
        return None;
    }
    let failed = failures(state, tasks, svc, rollout);
    let slots = slot_count(tasks, svc) as f64;
    // The task whose failure took the ratio over the limit.
    let culprit = failed
        .iter()
        .enumerate()
        .find(|(i, _)| (*i + 1) as f64 / slots > rollout.max_failure_ratio)
        .map(|(_, t)| *t)?;
    let what = if rollout.rolling_back {
        "rollback"
    } else {
        "update"
    };
    let pause = |message: String| Op::SetServiceUpdateStatus {
        id: svc.id.clone(),
        status: UpdateStatus {
            state: if rollout.rolling_back {
                "rollback_paused"
            } else {
                "paused"
            }
            .into(),
            started_at: us.started_at,
            completed_at: Timestamp::default(),
            message,
        },
    };
    let early = format!("due to failure or early termination of task {}", culprit.id);
    match (rollout.failure_action, &svc.previous_spec) {
        (FailureAction::Rollback, Some(previous)) => {
            let mut next = svc.clone();
            next.spec = previous.clone();
            next.previous_spec = Some(svc.spec.clone());
            next.endpoint = Endpoint::of(&next.spec);
            next.update_status = Some(UpdateStatus {
                state: "rollback_started".into(),
                started_at: now,
                completed_at: Timestamp::default(),
                message: format!("update rolled back {early}"),
            });
            Some(Op::UpdateService {
                service: Box::new(next),
                expected_version: svc.version.index,
            })
        }
        _ => Some(pause(format!("{what} paused {early}"))),
    }
}

/// Marks the update complete once every slot runs the current spec, and has for the
/// monitor period (the CLI's "verify" step waits for the same).
#[allow(clippy::too_many_arguments)]
fn complete(
    state: &State,
    tasks: &TasksByService,
    svc: &Service,
    us: &UpdateStatus,
    rollout: &Rollout,
    now: Timestamp,
    plan: &mut Plan,
) {
    let (done_state, done_message) = if rollout.rolling_back {
        ("rollback_completed", "rollback completed")
    } else {
        ("completed", "update completed")
    };
    let runnable: Vec<_> = tasks
        .of(&svc.id)
        .filter(|t| plan.desired_of(t).is_runnable())
        .collect();
    let settled = runnable
        .iter()
        .all(|t| !is_dirty(t, svc, &state.nodes) && t.status.state == TaskState::Running);
    let enough = match svc.spec.mode.kind() {
        ModeKind::Replicated(n) => runnable.len() as u64 == n,
        _ => true,
    };
    if !settled || !enough || plan.new_tasks.iter().any(|t| t.service_id == svc.id) {
        return;
    }
    let last_start = runnable.iter().map(|t| t.started_at).max().unwrap_or(now);
    let due = last_start.plus(rollout.monitor);
    if due > now {
        plan.wake(due);
        return;
    }
    plan.ops.push(Op::SetServiceUpdateStatus {
        id: svc.id.clone(),
        status: UpdateStatus {
            state: done_state.into(),
            started_at: us.started_at,
            completed_at: now,
            message: done_message.into(),
        },
    });
}
