//! Marks rolling updates and rollbacks complete once every slot runs the current spec.
//!
//! The control API starts an update (`updating` / `rollback_started`); this decides when it
//! is over (`completed` / `rollback_completed`): every slot runs the current spec and has
//! stayed up for the monitor period. The CLI's progress display and `service inspect` read it.

use crate::orchestrator::is_dirty;
use crate::plan::Plan;
use shoal_api::{ModeKind, TaskState, Timestamp, UpdateStatus};
use shoal_store::{Op, State};

pub fn check(state: &State, now: Timestamp, plan: &mut Plan) {
    for svc in state.services.values() {
        let Some(us) = &svc.update_status else {
            continue;
        };
        let done_word = match us.state.as_str() {
            "updating" => ("completed", "update completed"),
            "rollback_started" => ("rollback_completed", "rollback completed"),
            _ => continue,
        };
        let runnable: Vec<_> = state
            .tasks_of_service(&svc.id)
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
            continue;
        }
        // Like Swarm, an update is complete only once its tasks have stayed up for the
        // monitor period (the CLI's "verify" step waits for the same).
        let cfg = if us.state == "updating" {
            &svc.spec.update_config
        } else {
            &svc.spec.rollback_config
        };
        let monitor = cfg
            .as_ref()
            .and_then(|c| c.monitor)
            .unwrap_or(shoal_api::defaults::MONITOR_NANOS)
            .max(0) as u64;
        let last_start = runnable.iter().map(|t| t.started_at).max().unwrap_or(now);
        let due = last_start.plus(std::time::Duration::from_nanos(monitor));
        if due > now {
            plan.wake(due);
            continue;
        }
        {
            plan.ops.push(Op::SetServiceUpdateStatus {
                id: svc.id.clone(),
                status: UpdateStatus {
                    state: done_word.0.into(),
                    started_at: us.started_at,
                    completed_at: now,
                    message: done_word.1.into(),
                },
            });
        }
    }
}
