//! The replicated orchestrator: keeps `replicas` slots, each holding one runnable task.
//!
//! Scaling down removes, as swarmkit does, from the nodes holding the most tasks of the
//! service first, preferring tasks that are not running; scaling up fills the lowest free
//! slot numbers (a slot with history goes through the restart supervisor, so a slot in
//! back-off is not refilled early).

use super::slot::{reconcile_slot, UpdateBudget};
use crate::index::TasksByService;
use crate::plan::Plan;
use crate::slots::{group, SlotKey};
use shoal_api::ids::IdSource;
use shoal_api::{Service, Task, TaskState, Timestamp};
use shoal_store::State;
use std::collections::{BTreeMap, BTreeSet, HashMap};

#[allow(clippy::too_many_arguments)]
pub fn reconcile(
    state: &State,
    tasks: &TasksByService,
    service: &Service,
    replicas: u64,
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
    let live: Vec<(u64, Vec<&Task>)> = groups
        .iter()
        .filter_map(|(key, tasks)| {
            let SlotKey::Slot(s) = key else { return None };
            let runnable: Vec<&Task> = tasks
                .iter()
                .copied()
                .filter(|t| plan.desired_of(t).is_runnable())
                .collect();
            (!runnable.is_empty()).then_some((*s, runnable))
        })
        .collect();
    let (keep, remove) = choose_slots(live, replicas as usize);
    for tasks in remove {
        for t in tasks {
            plan.set_desired(&t.id, TaskState::Remove);
        }
    }
    // Refill first the slots whose task ended (so restart back-off and policy apply),
    // then the lowest unused numbers.
    let mut slots: BTreeSet<u64> = keep;
    let ended = groups.iter().filter_map(|(key, tasks)| match key {
        SlotKey::Slot(s)
            if !slots.contains(s)
                && tasks
                    .last()
                    .is_some_and(|t| plan.desired_of(t) < TaskState::Remove) =>
        {
            Some(*s)
        }
        _ => None,
    });
    let mut fill: Vec<u64> = ended.collect();
    let mut next = 1u64;
    while slots.len() + fill.len() < replicas as usize {
        if !slots.contains(&next) && !fill.contains(&next) {
            fill.push(next);
        }
        next += 1;
    }
    slots.extend(
        fill.into_iter()
            .take((replicas as usize).saturating_sub(slots.len())),
    );
    for s in slots {
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

/// Splits the live slots into the `n` to keep and the rest: each slot gets its rank among
/// the service's slots on its node (running ones first), and the lowest ranks are kept, so
/// the busiest nodes lose tasks first and tasks that are not running go before those that
/// are; ties keep the lower slot number.
#[allow(clippy::type_complexity)]
fn choose_slots(live: Vec<(u64, Vec<&Task>)>, n: usize) -> (BTreeSet<u64>, Vec<Vec<&Task>>) {
    if live.len() <= n {
        return (live.into_iter().map(|(s, _)| s).collect(), Vec::new());
    }
    fn newest<'a>(ts: &[&'a Task]) -> Option<&'a Task> {
        ts.last().copied()
    }
    let running = |ts: &[&Task]| newest(ts).is_some_and(|t| t.status.state == TaskState::Running);
    let mut order: Vec<&(u64, Vec<&Task>)> = live.iter().collect();
    order.sort_by_key(|(s, ts)| (!running(ts), *s));
    let mut per_node: HashMap<&str, usize> = HashMap::new();
    let mut ranked: BTreeMap<(usize, bool, u64), u64> = BTreeMap::new();
    for (s, ts) in order {
        let node = newest(ts).map_or("", |t| t.node_id.as_str());
        let index = per_node.entry(node).or_default();
        ranked.insert((*index, !running(ts), *s), *s);
        *index += 1;
    }
    let keep: BTreeSet<u64> = ranked.values().take(n).copied().collect();
    let remove = live
        .into_iter()
        .filter(|(s, _)| !keep.contains(s))
        .map(|(_, ts)| ts)
        .collect();
    (keep, remove)
}
