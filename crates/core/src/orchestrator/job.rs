//! The job orchestrators: replicated jobs (`TotalCompletions` runs to completion, at most
//! `MaxConcurrent` at a time) and global jobs (one run to completion on every eligible node).
//!
//! Job tasks want COMPLETE, not RUNNING. A task that completes is never restarted; one that
//! fails is replaced under the restart policy in the same slot (or on the same node); a task
//! on a node that is lost or drained is replaced at once. Each update of the service starts
//! a new iteration (`JobStatus.JobIteration`): tasks of older iterations still running are
//! removed, and the job runs again from zero, as in swarmkit.

use super::slot::new_task;
use crate::index::TasksByService;
use crate::placement::Rules;
use crate::plan::Plan;
use crate::restart;
use crate::slots::SlotKey;
use shoal_api::ids::IdSource;
use shoal_api::{RestartInfo, Service, Task, TaskState, Timestamp, Version};
use shoal_store::State;
use std::collections::BTreeSet;

/// The current iteration of a job service.
fn iteration(service: &Service) -> Version {
    service
        .job_status
        .as_ref()
        .map(|j| j.job_iteration)
        .unwrap_or_default()
}

/// A new task of the current iteration.
fn job_task(
    service: &Service,
    key: &SlotKey,
    ids: &mut dyn IdSource,
    now: Timestamp,
    restart: Option<RestartInfo>,
) -> Task {
    let mut t = new_task(service, key, ids, now, TaskState::Complete, restart);
    t.job_iteration = Some(iteration(service));
    if let SlotKey::Slot(s) = key {
        // Replicated jobs number slots from 0 like swarmkit (docker's job progress shows
        // `slot + 1`), so the name cannot rely on `display_name`'s "slot 0 means global".
        t.slot = *s;
        t.name = format!("{}.{}.{}", service.spec.name, s, t.id);
    }
    t
}

/// What became of the current iteration's tasks after one look at them.
#[derive(Default)]
struct Tally {
    completed: u64,
    /// Tasks still to finish (running, starting, or failed and due for a restart).
    active: u64,
    /// Slots (replicated) or nodes (global) taken by a completed or active task.
    taken: BTreeSet<SlotKey>,
}

/// Walks the tasks of `service`: removes older iterations, restarts what failed, replaces
/// what was lost, and counts the rest.
#[allow(clippy::too_many_arguments)]
fn tally(
    state: &State,
    tasks: &TasksByService,
    service: &Service,
    key_of: impl Fn(&Task) -> SlotKey,
    now: Timestamp,
    ids: &mut dyn IdSource,
    plan: &mut Plan,
) -> Tally {
    let current = iteration(service);
    let mut tally = Tally::default();
    for t in tasks.of(&service.id) {
        let desired = plan.desired_of(t);
        if t.job_iteration != Some(current) {
            if !t.status.state.is_terminal() && desired < TaskState::Remove {
                plan.set_desired(&t.id, TaskState::Remove);
            }
            continue;
        }
        if !desired.is_runnable() {
            continue;
        }
        let key = key_of(t);
        if t.status.state == TaskState::Complete {
            tally.completed += 1;
            tally.taken.insert(key);
            continue;
        }
        tally.active += 1;
        tally.taken.insert(key.clone());
        let node_lost =
            !t.node_id.is_empty() && !state.nodes.get(&t.node_id).is_some_and(|n| n.keeps_tasks());
        if node_lost && !t.status.state.is_terminal() {
            plan.set_desired(&t.id, TaskState::Shutdown);
            if let SlotKey::Slot(_) = key {
                plan.new_tasks
                    .push(job_task(service, &key, ids, now, t.restart.clone()));
            }
            continue;
        }
        if !t.status.state.is_terminal() {
            continue;
        }
        // Failed, rejected or shut down: the restart policy decides, as for services;
        // without a restart the slot stays failed and the job does not complete.
        let policy = service.spec.task_template.restart_policy.as_ref();
        match restart::decide(policy, t) {
            Some(info) if info.not_before <= now => {
                plan.set_desired(&t.id, TaskState::Shutdown);
                let key = match key {
                    SlotKey::Node(_) => SlotKey::Node(t.node_id.clone()),
                    k => k,
                };
                plan.new_tasks
                    .push(job_task(service, &key, ids, now, Some(info)));
            }
            Some(info) => plan.wake(info.not_before),
            None => {}
        }
    }
    tally
}

/// A replicated job: slots `0..total`, at most `max_concurrent` unfinished at a time.
#[allow(clippy::too_many_arguments)]
pub fn reconcile_replicated(
    state: &State,
    tasks: &TasksByService,
    service: &Service,
    max_concurrent: u64,
    total: u64,
    now: Timestamp,
    ids: &mut dyn IdSource,
    plan: &mut Plan,
) {
    let t = tally(
        state,
        tasks,
        service,
        |t| SlotKey::Slot(t.slot),
        now,
        ids,
        plan,
    );
    let may_start = max_concurrent.saturating_sub(t.active);
    let left = total.saturating_sub(t.completed + t.active);
    let mut free = (0..total).filter(|s| !t.taken.contains(&SlotKey::Slot(*s)));
    for _ in 0..may_start.min(left) {
        let Some(slot) = free.next() else { break };
        plan.new_tasks
            .push(job_task(service, &SlotKey::Slot(slot), ids, now, None));
    }
}

/// A global job: one run on every node that accepts tasks and satisfies the constraints
/// (nodes that join later run it too); tasks on nodes that no longer fit are shut down.
pub fn reconcile_global(
    state: &State,
    tasks: &TasksByService,
    service: &Service,
    now: Timestamp,
    ids: &mut dyn IdSource,
    plan: &mut Plan,
) {
    let t = tally(
        state,
        tasks,
        service,
        |t| SlotKey::Node(t.node_id.clone()),
        now,
        ids,
        plan,
    );
    let rules = Rules::of(&service.spec.task_template);
    let current = iteration(service);
    for task in tasks.of(&service.id) {
        let fits = state
            .nodes
            .get(&task.node_id)
            .is_some_and(|n| n.keeps_tasks() && rules.matches(n));
        if task.job_iteration == Some(current)
            && !fits
            && !task.status.state.is_terminal()
            && plan.desired_of(task).is_runnable()
        {
            plan.set_desired(&task.id, TaskState::Shutdown);
        }
    }
    for node in state.nodes.values() {
        let key = SlotKey::Node(node.id.clone());
        if node.accepts_tasks() && rules.matches(node) && !t.taken.contains(&key) {
            plan.new_tasks.push(job_task(service, &key, ids, now, None));
        }
    }
}
