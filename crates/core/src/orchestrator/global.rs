//! The global orchestrator: one task on every node that accepts tasks; tasks on drained,
//! down or removed nodes are shut down; paused nodes keep theirs but get no new ones.

use super::slot::{reconcile_slot, UpdateBudget};
use crate::plan::Plan;
use crate::slots::{group, SlotKey};
use shoal_api::ids::IdSource;
use shoal_api::{Service, TaskState, Timestamp};
use shoal_store::State;

pub fn reconcile(
    state: &State,
    service: &Service,
    now: Timestamp,
    ids: &mut dyn IdSource,
    plan: &mut Plan,
) {
    let groups = group(state.tasks_of_service(&service.id));
    let mut budget = UpdateBudget::new(service, groups.values().flatten().copied());
    for (key, tasks) in &groups {
        let SlotKey::Node(node_id) = key else {
            continue;
        };
        let keep = state.nodes.get(node_id).is_some_and(|n| n.keeps_tasks());
        if !keep {
            for t in tasks {
                if plan.desired_of(t) > TaskState::Running {
                    continue;
                }
                plan.set_desired(&t.id, TaskState::Shutdown);
            }
        }
    }
    for node in state.nodes.values() {
        if !node.keeps_tasks() {
            continue;
        }
        let key = SlotKey::Node(node.id.clone());
        let tasks = groups.get(&key).map(Vec::as_slice).unwrap_or(&[]);
        let may_create = node.accepts_tasks();
        reconcile_slot(
            state,
            service,
            &key,
            tasks,
            may_create,
            &mut budget,
            now,
            ids,
            plan,
        );
    }
}
