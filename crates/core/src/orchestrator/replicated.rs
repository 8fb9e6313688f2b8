//! The replicated orchestrator: slots 1..=replicas each hold one runnable task; tasks in
//! higher slots (after a scale-down) are removed.

use super::slot::{reconcile_slot, UpdateBudget};
use crate::plan::Plan;
use crate::slots::{group, SlotKey};
use shoal_api::ids::IdSource;
use shoal_api::{Service, TaskState, Timestamp};
use shoal_store::State;

pub fn reconcile(
    state: &State,
    service: &Service,
    replicas: u64,
    now: Timestamp,
    ids: &mut dyn IdSource,
    plan: &mut Plan,
) {
    let groups = group(state.tasks_of_service(&service.id));
    let mut budget = UpdateBudget::new(
        state,
        service,
        groups.values().flatten().copied(),
        now,
        plan,
    );
    for (key, tasks) in &groups {
        if let SlotKey::Slot(s) = key {
            if *s > replicas {
                for t in tasks {
                    if !plan.desired_of(t).is_runnable() {
                        continue;
                    }
                    plan.set_desired(&t.id, TaskState::Remove);
                }
            }
        }
    }
    for s in 1..=replicas {
        let key = SlotKey::Slot(s);
        let tasks = groups.get(&key).map(Vec::as_slice).unwrap_or(&[]);
        reconcile_slot(
            state,
            service,
            &key,
            tasks,
            true,
            &mut budget,
            now,
            ids,
            plan,
        );
    }
}
