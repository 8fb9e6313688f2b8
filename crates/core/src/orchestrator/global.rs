//! The global orchestrator: one task on every node that accepts tasks and satisfies the
//! service's placement constraints; tasks on drained, down, removed or no longer matching
//! nodes are shut down; paused nodes keep theirs but get no new ones.

use super::slot::{reconcile_slot, UpdateBudget};
use crate::index::TasksByService;
use crate::placement::Rules;
use crate::plan::Plan;
use crate::slots::{group, SlotKey};
use shoal_api::ids::IdSource;
use shoal_api::{Service, TaskState, Timestamp};
use shoal_store::State;

pub fn reconcile(
    state: &State,
    tasks: &TasksByService,
    service: &Service,
    now: Timestamp,
    ids: &mut dyn IdSource,
    plan: &mut Plan,
) {
    let groups = group(tasks.of(&service.id));
    let mut budget = UpdateBudget::new(
        state,
        service,
        groups.values().flatten().copied(),
        now,
        plan,
    );
    let rules = Rules::of(&service.spec.task_template);
    let keeps = |n: &shoal_api::Node| n.keeps_tasks() && rules.matches(n);
    for (key, tasks) in &groups {
        let SlotKey::Node(node_id) = key else {
            continue;
        };
        let keep = state.nodes.get(node_id).is_some_and(keeps);
        if !keep {
            for t in tasks {
                if !plan.desired_of(t).is_runnable() {
                    continue;
                }
                plan.set_desired(&t.id, TaskState::Shutdown);
            }
        }
    }
    for node in state.nodes.values() {
        if !keeps(node) {
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
