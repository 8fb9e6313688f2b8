//! The task reaper: deletes tasks that are done with, and trims each slot's history to the
//! cluster's `TaskHistoryRetentionLimit` (default 5 tasks per slot, the live one included).

use crate::index::TasksByService;
use crate::plan::Plan;
use crate::slots::{group, is_live};
use shoal_api::TaskState;
use shoal_store::{Op, State};

pub fn reap(state: &State, by_service: &TasksByService, plan: &mut Plan) {
    let limit = state
        .cluster
        .as_ref()
        .map_or(5, |c| c.spec.orchestration.task_history_retention_limit)
        .max(1) as usize;

    // Tasks of deleted services are removed once nothing runs them.
    for t in state.tasks.values() {
        if state.services.contains_key(&t.service_id) {
            continue;
        }
        if plan.desired_of(t) < TaskState::Remove {
            plan.set_desired(&t.id, TaskState::Remove);
        }
    }
    for t in state.tasks.values() {
        let removing = plan.desired_of(t) == TaskState::Remove;
        if removing && !is_live(t, &state.nodes) && t.desired_state == TaskState::Remove {
            delete(plan, &t.id);
        }
    }

    for service in state.services.values() {
        for tasks in group(by_service.of(&service.id)).values() {
            if tasks.len() <= limit {
                continue;
            }
            let mut excess = tasks.len() - limit;
            for t in tasks.iter() {
                if excess == 0 {
                    break;
                }
                let dead = !is_live(t, &state.nodes)
                    && (!plan.desired_of(t).is_runnable() || t.status.state == TaskState::Complete);
                if dead && !plan.deleted.contains(&t.id) {
                    delete(plan, &t.id);
                    excess -= 1;
                }
            }
        }
    }
}

fn delete(plan: &mut Plan, id: &str) {
    if plan.deleted.insert(id.to_string()) {
        plan.desired.remove(id);
        plan.ops.push(Op::DeleteTask { id: id.to_string() });
    }
}
