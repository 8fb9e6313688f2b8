//! The scheduler: places unassigned tasks on nodes.
//!
//! A node qualifies when it is ready and active (and, for global tasks, is the task's node).
//! Among qualifying nodes it picks the one with the fewest tasks of the same service, then
//! the fewest tasks in all, then the lowest node id (so decisions are reproducible). A task
//! that fits nowhere stays pending with Swarm's explanation.

use crate::plan::Plan;
use shoal_api::{Node, Task, TaskState};
use shoal_store::{Op, State};
use std::collections::HashMap;

/// Counts of active tasks per node and per (service, node).
#[derive(Default)]
struct Load {
    total: HashMap<String, u64>,
    per_service: HashMap<(String, String), u64>,
}

impl Load {
    fn add(&mut self, service: &str, node: &str) {
        *self.total.entry(node.to_string()).or_default() += 1;
        *self
            .per_service
            .entry((service.to_string(), node.to_string()))
            .or_default() += 1;
    }

    fn rank<'n>(&self, service: &str, node: &'n Node) -> (u64, u64, &'n str) {
        let per = self
            .per_service
            .get(&(service.to_string(), node.id.clone()))
            .copied()
            .unwrap_or(0);
        let total = self.total.get(&node.id).copied().unwrap_or(0);
        (per, total, node.id.as_str())
    }

    /// The best node for `task` among `ready`, counted in.
    fn place(&mut self, ready: &[&Node], task: &Task) -> Option<String> {
        let best = ready
            .iter()
            .filter(|n| task.node_id.is_empty() || n.id == task.node_id)
            .min_by_key(|n| self.rank(&task.service_id, n))
            .map(|n| n.id.clone())?;
        self.add(&task.service_id, &best);
        Some(best)
    }
}

/// Why no node fits, in Swarm's words.
pub fn no_suitable_node(unavailable: usize) -> String {
    if unavailable == 0 {
        return "no suitable node".into();
    }
    let s = if unavailable == 1 { "" } else { "s" };
    format!("no suitable node ({unavailable} node{s} not available for new tasks)")
}

/// Assigns every unassigned runnable task: tasks created in `plan` are placed in place
/// (saving a round through raft), existing ones get an `AssignTask` or `SetTaskPending` op.
pub fn schedule(state: &State, plan: &mut Plan) {
    let ready: Vec<&Node> = state.nodes.values().filter(|n| n.accepts_tasks()).collect();
    let err = no_suitable_node(state.nodes.len() - ready.len());
    let mut load = Load::default();
    for t in state.tasks.values() {
        if !t.node_id.is_empty()
            && t.status.state >= TaskState::Assigned
            && plan.desired_of(t) <= TaskState::Running
            && !t.status.state.is_terminal()
        {
            load.add(&t.service_id, &t.node_id);
        }
    }

    let mut ops = Vec::new();
    for t in state.tasks.values() {
        if t.status.state >= TaskState::Assigned || plan.desired_of(t) > TaskState::Running {
            continue;
        }
        match load.place(&ready, t) {
            Some(node_id) => ops.push(Op::AssignTask {
                id: t.id.clone(),
                node_id,
            }),
            None if t.status.state != TaskState::Pending || t.status.err != err => {
                ops.push(Op::SetTaskPending {
                    id: t.id.clone(),
                    err: err.clone(),
                })
            }
            None => {}
        }
    }
    for t in plan.new_tasks.iter_mut() {
        match load.place(&ready, t) {
            Some(node_id) => {
                t.node_id = node_id;
                t.status.state = TaskState::Assigned;
                t.status.message = "scheduler assigned task to node".into();
            }
            None => {
                t.status.state = TaskState::Pending;
                t.status.message = "pending task scheduling".into();
                t.status.err = err.clone();
            }
        }
    }
    plan.ops.extend(ops);
}
