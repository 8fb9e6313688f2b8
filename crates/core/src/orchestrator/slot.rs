//! One slot of a service: restart what ended, replace what was lost, roll what is out of
//! date (stop-first), and fill the slot when it is empty.

use crate::placement::Rules;
use crate::plan::Plan;
use crate::restart;
use crate::slots::{is_live, SlotKey};
use crate::update_config::Rollout;
use shoal_api::ids::IdSource;
use shoal_api::{Node, RestartInfo, Service, Task, TaskState, TaskStatus, Timestamp};
use shoal_store::{Op, State};
use std::collections::BTreeMap;

/// How many more slots a rolling update may take in this pass, and how: Swarm's
/// `parallelism` workers, each updating one slot, waiting for its new task to run, then
/// sleeping `delay` before the next. A paused update or rollback takes none.
pub struct UpdateBudget {
    left: Option<u64>,
    pub rollout: Rollout,
}

impl UpdateBudget {
    /// Parallelism minus the slots still busy: their up-to-date task, made by this update,
    /// has not reached RUNNING yet, or did less than `delay` ago.
    pub fn new<'a>(
        state: &State,
        service: &Service,
        tasks: impl Iterator<Item = &'a Task>,
        now: Timestamp,
        plan: &mut Plan,
    ) -> UpdateBudget {
        let rollout = Rollout::of(service);
        if rollout.paused || plan.halted.contains(&service.id) {
            return UpdateBudget {
                left: Some(0),
                rollout,
            };
        }
        let Some(parallelism) = rollout.parallelism else {
            return UpdateBudget {
                left: None,
                rollout,
            };
        };
        let mut busy = 0u64;
        for t in tasks {
            let restarted = t.restart.as_ref().is_some_and(|r| r.streak > 0);
            if restarted || t.created_at < rollout.started_at || is_dirty(t, service, &state.nodes)
            {
                continue;
            }
            if !t.status.state.is_terminal() && t.status.state < TaskState::Running {
                if t.desired_state.is_runnable() {
                    busy += 1;
                }
                continue;
            }
            let since = if t.started_at.is_zero() {
                t.status.timestamp
            } else {
                t.started_at
            };
            let free_at = since.plus(rollout.delay);
            if free_at > now {
                busy += 1;
                plan.wake(free_at);
            }
        }
        UpdateBudget {
            left: Some(parallelism.saturating_sub(busy)),
            rollout,
        }
    }

    fn take(&mut self) -> bool {
        match &mut self.left {
            None => true,
            Some(0) => false,
            Some(n) => {
                *n -= 1;
                true
            }
        }
    }
}

/// A fresh task for `key` of `service`.
pub fn new_task(
    service: &Service,
    key: &SlotKey,
    ids: &mut dyn IdSource,
    now: Timestamp,
    desired: TaskState,
    restart: Option<RestartInfo>,
) -> Task {
    let id = ids.next_id();
    let (slot, node_id) = match key {
        SlotKey::Slot(s) => (*s, String::new()),
        SlotKey::Node(n) => (0, n.clone()),
    };
    Task {
        name: Task::display_name(&service.spec.name, slot, &node_id, &id),
        id,
        spec: service.spec.task_template.clone(),
        service_id: service.id.clone(),
        slot,
        node_id,
        status: TaskStatus {
            timestamp: now,
            state: TaskState::New,
            message: "created".into(),
            ..Default::default()
        },
        desired_state: desired,
        spec_version: service.spec_version,
        restart,
        endpoint: (!service.endpoint.ports.is_empty()).then(|| service.endpoint.clone()),
        ..Default::default()
    }
}

/// The task runs an older task spec than the service's: an update must replace it.
/// (A change elsewhere in the service spec, the replica count say, restarts nothing.) As in
/// Swarm, when only the placement differs (or nothing but the spec version), the task is
/// replaced only if its node no longer satisfies the service's constraints.
pub fn is_dirty(task: &Task, service: &Service, nodes: &BTreeMap<String, Node>) -> bool {
    // As in swarmkit, a task that publishes ports is also out of date when they changed.
    if task
        .endpoint
        .as_ref()
        .is_some_and(|e| Some(&e.spec) != service.spec.endpoint_spec.as_ref())
    {
        return true;
    }
    let want = &service.spec.task_template;
    let placement_only = task.spec == *want
        || (task.spec.placement != want.placement && {
            let mut t = task.spec.clone();
            t.placement = want.placement.clone();
            t == *want
        });
    if !placement_only {
        return true;
    }
    if task.spec_version == service.spec_version
        || want
            .placement
            .as_ref()
            .is_none_or(|p| p.constraints.is_empty())
    {
        return false;
    }
    nodes
        .get(&task.node_id)
        .is_some_and(|n| !Rules::of(want).matches(n))
}

/// How an empty slot is refilled, from its newest task: `Fresh` (no history, or the spec
/// changed since), `Restart(info)` when the restart policy allows it (not before
/// `info.not_before`), or `Stay` when the policy says the slot stays empty.
enum Refill {
    Fresh,
    Restart(RestartInfo),
    Stay,
}

fn refill(state: &State, service: &Service, tasks: &[&Task]) -> Refill {
    let Some(last) = tasks.last() else {
        return Refill::Fresh;
    };
    let ended_on_its_own = matches!(
        last.status.state,
        TaskState::Complete | TaskState::Failed | TaskState::Rejected
    );
    if !ended_on_its_own || is_dirty(last, service, &state.nodes) {
        return Refill::Fresh;
    }
    match restart::decide(service.spec.task_template.restart_policy.as_ref(), last) {
        Some(info) => Refill::Restart(info),
        None => Refill::Stay,
    }
}

#[allow(clippy::too_many_arguments)]
pub fn reconcile_slot(
    state: &State,
    service: &Service,
    key: &SlotKey,
    tasks: &[&Task],
    may_create: bool,
    budget: &mut UpdateBudget,
    now: Timestamp,
    ids: &mut dyn IdSource,
    plan: &mut Plan,
) {
    let mut runnable: Vec<&Task> = Vec::new();
    for t in tasks.iter().copied() {
        if !plan.desired_of(t).is_runnable() {
            continue;
        }
        let node_lost =
            !t.node_id.is_empty() && !state.nodes.get(&t.node_id).is_some_and(|n| n.keeps_tasks());
        if t.status.state.is_terminal() {
            // Its replacement, if the policy wants one, is made below once it is due.
            plan.set_desired(&t.id, TaskState::Shutdown);
            continue;
        }
        if node_lost {
            plan.set_desired(&t.id, TaskState::Shutdown);
            if matches!(key, SlotKey::Slot(_)) {
                plan.new_tasks
                    .push(new_task(service, key, ids, now, TaskState::Running, None));
                return;
            }
            continue;
        }
        runnable.push(t);
    }

    // A task waiting at READY (a stop-first update's successor) starts once its time has
    // come and no older task of the slot may still be running.
    for t in runnable
        .iter()
        .filter(|t| t.desired_state == TaskState::Ready)
    {
        let due = t.restart.as_ref().map_or(now, |r| r.not_before);
        let older_live = tasks
            .iter()
            .any(|o| o.id != t.id && o.created_at <= t.created_at && is_live(o, &state.nodes));
        if due > now {
            plan.wake(due);
        } else if !older_live {
            plan.set_desired(&t.id, TaskState::Running);
        }
    }

    // Rolling update: the newest runnable task is out of date.
    if let Some(current) = runnable.last() {
        let dirty = is_dirty(current, service, &state.nodes);
        if !dirty && current.spec_version != service.spec_version {
            plan.ops.push(Op::SetTaskSpecVersion {
                id: current.id.clone(),
                spec_version: service.spec_version,
            });
        }
        if !dirty {
            // Start-first: the older tasks go once their successor runs (stop-first ones
            // were shut down when it was made).
            if current.status.state == TaskState::Running {
                for o in &runnable[..runnable.len() - 1] {
                    plan.set_desired(&o.id, TaskState::Shutdown);
                }
            }
            return;
        }
        // A successor made by this update that already ended (start-first keeps the old
        // task, so the restart supervisor does not see the slot empty): retry under the
        // restart policy's back-off, or not at all if the policy says so.
        let mut info = RestartInfo {
            not_before: now,
            ..Default::default()
        };
        if let Some(last) = tasks
            .last()
            .filter(|l| l.status.state.is_terminal() && !is_dirty(l, service, &state.nodes))
        {
            match restart::decide(service.spec.task_template.restart_policy.as_ref(), last) {
                Some(i) if i.not_before <= now => info = i,
                Some(i) => {
                    plan.wake(i.not_before);
                    return;
                }
                None => return,
            }
        }
        if !budget.take() {
            return;
        }
        let live = is_live(current, &state.nodes);
        let desired = if budget.rollout.start_first || !live {
            TaskState::Running
        } else {
            TaskState::Ready
        };
        if !(budget.rollout.start_first && live) {
            plan.set_desired(&current.id, TaskState::Shutdown);
        }
        plan.new_tasks
            .push(new_task(service, key, ids, now, desired, Some(info)));
        return;
    }

    if !may_create {
        return;
    }
    match refill(state, service, tasks) {
        Refill::Fresh => {
            plan.new_tasks
                .push(new_task(service, key, ids, now, TaskState::Running, None))
        }
        Refill::Restart(info) if info.not_before <= now => plan.new_tasks.push(new_task(
            service,
            key,
            ids,
            now,
            TaskState::Running,
            Some(info),
        )),
        Refill::Restart(info) => plan.wake(info.not_before),
        Refill::Stay => {}
    }
}
