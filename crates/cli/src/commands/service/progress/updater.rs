//! Per-mode progress: given the service, its up-to-date tasks and the
//! nodes that are not down, decide what each line says and whether the
//! service has converged (docker's `progressUpdater`s). Pure: the same
//! inputs give the same messages.

use super::msg::{
    numbered, padded_state, terminal, trunc_error, Msg, MAX_JOB_PROGRESS, MAX_PROGRESS,
    MAX_PROGRESS_BARS,
};
use crate::commands::display::truncate_id;
use shoal_api::{ModeKind, Service, Task, TaskState};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The updater for a service's mode.
#[derive(Debug, Clone)]
pub enum Updater {
    Replicated(Replicated),
    Global(Global),
    ReplicatedJob(ReplicatedJob),
    GlobalJob(GlobalJob),
}

impl Updater {
    pub fn for_service(service: &Service) -> Updater {
        match service.spec.mode.kind() {
            ModeKind::Replicated(_) => Updater::Replicated(Replicated::default()),
            ModeKind::Global => Updater::Global(Global::default()),
            ModeKind::ReplicatedJob {
                max_concurrent,
                total,
            } => Updater::ReplicatedJob(ReplicatedJob::new(max_concurrent, total)),
            ModeKind::GlobalJob => Updater::GlobalJob(GlobalJob::default()),
        }
    }

    pub fn is_job(&self) -> bool {
        matches!(self, Updater::ReplicatedJob(_) | Updater::GlobalJob(_))
    }

    /// Appends this round's messages; true once converged.
    pub fn update(
        &mut self,
        service: &Service,
        tasks: &[Task],
        active_nodes: &HashSet<String>,
        rollback: bool,
        out: &mut Vec<Msg>,
    ) -> bool {
        match self {
            Updater::Replicated(u) => u.update(service, tasks, active_nodes, rollback, out),
            Updater::Global(u) => u.update(tasks, active_nodes, rollback, out),
            Updater::ReplicatedJob(u) => u.update(tasks, out),
            Updater::GlobalJob(u) => u.update(tasks, active_nodes, out),
        }
    }
}

fn overall(out: &mut Vec<Msg>, running: u64, desired: u64, rollback: bool) {
    let action = if rollback {
        format!("rolling back update: {running} out of {desired} tasks")
    } else {
        format!("{running} out of {desired} tasks")
    };
    out.push(Msg::progress("overall progress", action));
}

/// Keeps, for each key, the task with the lowest desired state (then the
/// lowest observed state): with restarts or start-first updates a slot
/// has several tasks and the one being brought up is what matters.
fn pick_lowest<K: Ord>(picked: &mut BTreeMap<K, Task>, key: K, task: &Task) {
    if let Some(existing) = picked.get(&key) {
        let (ed, td) = (
            numbered(existing.desired_state),
            numbered(task.desired_state),
        );
        if ed < td {
            return;
        }
        if ed == td && numbered(existing.status.state) <= numbered(task.status.state) {
            return;
        }
    }
    picked.insert(key, task.clone());
}

fn known_states(task: &Task) -> bool {
    numbered(task.desired_state) != 0 && numbered(task.status.state) != 0
}

/// One line per task: its error, or its state with a bar.
fn task_line(id: String, task: &Task, max: i64) -> Option<Msg> {
    if !task.status.err.is_empty() {
        return Some(Msg::progress(id, trunc_error(&task.status.err)));
    }
    (!terminal(task.desired_state) && !terminal(task.status.state)).then(|| {
        Msg::bar(
            id,
            padded_state(task.status.state),
            numbered(task.status.state),
            max,
        )
    })
}

/// Replicated services: one line per slot, `1/3: running [====>]`.
#[derive(Debug, Clone, Default)]
pub struct Replicated {
    /// Slot numbers mapped to 1..N in the order first seen, so lines stay
    /// in place when slots are not contiguous.
    slot_map: HashMap<u64, u64>,
    initialized: bool,
    done: bool,
}

impl Replicated {
    fn update(
        &mut self,
        service: &Service,
        tasks: &[Task],
        active_nodes: &HashSet<String>,
        rollback: bool,
        out: &mut Vec<Msg>,
    ) -> bool {
        let replicas = match service.spec.mode.kind() {
            ModeKind::Replicated(n) => n,
            _ => 0,
        };
        if !self.initialized {
            // Draw every line once, in order, before any update moves them.
            overall(out, 0, replicas, rollback);
            if replicas <= MAX_PROGRESS_BARS {
                for i in 1..=replicas {
                    out.push(Msg::progress(format!("{i}/{replicas}"), " "));
                }
            }
            self.initialized = true;
        }

        let mut by_slot = BTreeMap::new();
        for task in tasks.iter().filter(|t| known_states(t)) {
            if !task.node_id.is_empty() && !active_nodes.contains(&task.node_id) {
                continue;
            }
            pick_lowest(&mut by_slot, task.slot, task);
        }

        if self.done
            && by_slot
                .values()
                .any(|t| t.status.state != TaskState::Running)
        {
            self.done = false;
        }

        let mut running = 0;
        for (slot, task) in &by_slot {
            let next = self.slot_map.len() as u64 + 1;
            let mapped = *self.slot_map.entry(*slot).or_insert(next);
            if !terminal(task.desired_state) && task.status.state == TaskState::Running {
                running += 1;
            }
            if self.done || replicas > MAX_PROGRESS_BARS || mapped > replicas {
                continue;
            }
            if let Some(m) = task_line(format!("{mapped}/{replicas}"), task, MAX_PROGRESS) {
                out.push(m);
            }
        }

        if !self.done {
            overall(out, running, replicas, rollback);
            if running == replicas {
                self.done = true;
            }
        }
        running == replicas
    }
}

/// Global services: one line per node, keyed by the node's short ID.
#[derive(Debug, Clone, Default)]
pub struct Global {
    initialized: bool,
    done: bool,
}

impl Global {
    fn update(
        &mut self,
        tasks: &[Task],
        active_nodes: &HashSet<String>,
        rollback: bool,
        out: &mut Vec<Msg>,
    ) -> bool {
        let mut by_node = BTreeMap::new();
        for task in tasks.iter().filter(|t| known_states(t)) {
            pick_lowest(&mut by_node, task.node_id.clone(), task);
        }
        // The orchestrator creates every eligible node's task at once, so
        // the up-to-date tasks tell how many nodes to expect.
        let node_count = by_node.len() as u64;

        if !self.initialized {
            if node_count == 0 {
                out.push(Msg::progress("overall progress", "waiting for new tasks"));
                return false;
            }
            overall(out, 0, node_count, rollback);
            self.initialized = true;
        }

        if self.done
            && by_node
                .values()
                .any(|t| t.status.state != TaskState::Running)
        {
            self.done = false;
        }

        let mut running = 0;
        for (node, task) in &by_node {
            if !active_nodes.contains(node) {
                continue;
            }
            if !terminal(task.desired_state) && task.status.state == TaskState::Running {
                running += 1;
            }
            if self.done || node_count > MAX_PROGRESS_BARS {
                continue;
            }
            if let Some(m) = task_line(truncate_id(node), task, MAX_PROGRESS) {
                out.push(m);
            }
        }

        if !self.done {
            overall(out, running, node_count, rollback);
            if running == node_count {
                self.done = true;
            }
        }
        running == node_count
    }
}

/// Replicated jobs: completed out of total, and the active tasks.
#[derive(Debug, Clone)]
pub struct ReplicatedJob {
    concurrent: u64,
    total: u64,
    initialized: bool,
}

impl ReplicatedJob {
    fn new(concurrent: u64, total: u64) -> Self {
        ReplicatedJob {
            concurrent,
            total,
            initialized: false,
        }
    }

    fn overall(&self, out: &mut Vec<Msg>, active: u64, completed: u64) {
        let digits = self.total.to_string().len();
        out.push(Msg::bar(
            "job progress",
            format!("{completed:>digits$} out of {} complete", self.total),
            completed as i64,
            self.total as i64,
        ));
        let desired = self.total.saturating_sub(completed).min(self.concurrent);
        let w = self.concurrent.to_string().len();
        out.push(Msg::progress(
            "active tasks",
            format!("{active:>w$} out of {desired:>w$} tasks"),
        ));
    }

    fn update(&mut self, tasks: &[Task], out: &mut Vec<Msg>) -> bool {
        if !self.initialized {
            self.overall(out, 0, 0);
            if self.total <= MAX_PROGRESS_BARS {
                for i in 1..=self.total {
                    out.push(Msg::progress(format!("{i}/{}", self.total), " "));
                }
            }
            self.initialized = true;
        }
        // Per slot, the task furthest behind.
        let mut by_slot: BTreeMap<u64, &Task> = BTreeMap::new();
        for task in tasks.iter().filter(|t| known_states(t)) {
            let keep = by_slot
                .get(&task.slot)
                .is_some_and(|e| numbered(e.status.state) <= numbered(task.status.state));
            if !keep {
                by_slot.insert(task.slot, task);
            }
        }
        let (mut active, mut complete) = (0, 0);
        for task in by_slot.values() {
            if self.total <= MAX_PROGRESS_BARS {
                let id = format!("{}/{}", task.slot + 1, self.total);
                out.push(if task.status.err.is_empty() {
                    Msg::bar(
                        id,
                        padded_state(task.status.state),
                        numbered(task.status.state),
                        MAX_JOB_PROGRESS,
                    )
                } else {
                    Msg::progress(id, trunc_error(&task.status.err))
                });
            }
            if numbered(task.status.state) < numbered(TaskState::Complete) {
                active += 1;
            }
            if task.status.state == TaskState::Complete {
                complete += 1;
            }
        }
        self.overall(out, active, complete);
        complete == self.total
    }
}

/// Global jobs: one line per node that had a task when the job started.
#[derive(Debug, Clone, Default)]
pub struct GlobalJob {
    initialized: bool,
    nodes: Vec<String>,
}

impl GlobalJob {
    fn overall(&self, out: &mut Vec<Msg>, complete: u64) {
        let total = self.nodes.len() as u64;
        let digits = total.to_string().len();
        out.push(Msg::bar(
            "job progress",
            format!("{complete:>digits$} out of {total} complete"),
            complete as i64,
            total as i64,
        ));
    }

    fn update(
        &mut self,
        tasks: &[Task],
        active_nodes: &HashSet<String>,
        out: &mut Vec<Msg>,
    ) -> bool {
        if !self.initialized {
            if tasks.is_empty() && !active_nodes.is_empty() {
                out.push(Msg::progress("job progress", "waiting for tasks"));
                return false;
            }
            let mut nodes: Vec<String> = tasks.iter().map(|t| t.node_id.clone()).collect();
            nodes.sort();
            nodes.dedup();
            self.nodes = nodes;
            self.overall(out, 0);
            self.initialized = true;
        }
        let mut by_node: BTreeMap<&str, &Task> = BTreeMap::new();
        for task in tasks.iter().filter(|t| self.nodes.contains(&t.node_id)) {
            let keep = by_node
                .get(task.node_id.as_str())
                .is_some_and(|e| numbered(e.status.state) <= numbered(task.status.state));
            if !keep {
                by_node.insert(&task.node_id, task);
            }
        }
        let mut complete = 0;
        for (node, task) in &by_node {
            if self.nodes.len() as u64 <= MAX_PROGRESS_BARS {
                out.push(if task.status.err.is_empty() {
                    Msg::bar(
                        *node,
                        padded_state(task.status.state),
                        numbered(task.status.state),
                        MAX_JOB_PROGRESS,
                    )
                } else {
                    Msg::progress(*node, trunc_error(&task.status.err))
                });
            }
            if task.status.state == TaskState::Complete {
                complete += 1;
            }
        }
        self.overall(out, complete);
        complete == self.nodes.len() as u64
    }
}
