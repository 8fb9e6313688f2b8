//! The scheduler: places unassigned tasks on nodes.
//!
//! A node qualifies when it is ready and active, satisfies the service's placement
//! constraints, holds fewer than its max replicas per node of the service (and, for global
//! tasks, is the task's node). Spread preferences then pick, level by level, the group of
//! nodes (by label value; nodes without the label form their own group) holding the fewest
//! tasks of the service; within it, the node with the fewest tasks of the same service,
//! then the fewest tasks in all, then the lowest node id (so decisions are reproducible).
//! A task that fits nowhere stays pending with Swarm's explanation.

use crate::placement::explain::{Failures, Filter};
use crate::placement::{spread_value, Rules};
use crate::plan::Plan;
use shoal_api::{Node, Task, TaskState};
use shoal_store::{Op, State};
use std::collections::HashMap;

/// Counts of active tasks per node and per service and node, by node index (this is read
/// for every candidate node of every task placed, so it neither hashes nor allocates).
struct Load {
    total: Vec<u64>,
    per_service: HashMap<String, Vec<u64>>,
}

impl Load {
    fn add(&mut self, service: &str, node: usize) {
        self.total[node] += 1;
        let n = self.total.len();
        let counts = match self.per_service.get_mut(service) {
            Some(c) => c,
            None => self
                .per_service
                .entry(service.to_string())
                .or_insert_with(|| vec![0; n]),
        };
        counts[node] += 1;
    }
}

/// A service's rules with the nodes (by index) that are ready and satisfy its
/// constraints, and their spread groups, worked out once per pass.
struct Fit {
    rules: Rules,
    eligible: Vec<usize>,
    /// Per spread level, the group of each eligible node (same order as `eligible`).
    groups: Vec<Vec<u32>>,
    /// Nodes ruled out before the per-node limit: not ready, constraints.
    ruled_out: Failures,
}

impl Fit {
    fn new(rules: Rules, nodes: &[&Node]) -> Fit {
        let mut ruled_out = Failures::default();
        let mut eligible = Vec::new();
        for (i, n) in nodes.iter().enumerate() {
            if !n.accepts_tasks() {
                ruled_out.add(Filter::Ready);
            } else if !rules.matches(n) {
                ruled_out.add(Filter::Constraints);
            } else {
                eligible.push(i);
            }
        }
        let groups = rules
            .spread
            .iter()
            .map(|d| {
                let mut ids: HashMap<Option<&str>, u32> = HashMap::new();
                eligible
                    .iter()
                    .map(|&i| {
                        let next = ids.len() as u32;
                        *ids.entry(spread_value(d, nodes[i])).or_insert(next)
                    })
                    .collect()
            })
            .collect();
        Fit {
            rules,
            eligible,
            groups,
            ruled_out,
        }
    }
}

struct Scheduler<'s> {
    nodes: Vec<&'s Node>,
    index: HashMap<&'s str, usize>,
    state: &'s State,
    load: Load,
    fits: HashMap<String, Fit>,
}

impl<'s> Scheduler<'s> {
    fn new(state: &'s State) -> Scheduler<'s> {
        let nodes: Vec<&Node> = state.nodes.values().collect();
        let index = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.id.as_str(), i))
            .collect();
        let n = nodes.len();
        Scheduler {
            nodes,
            index,
            state,
            load: Load {
                total: vec![0; n],
                per_service: HashMap::new(),
            },
            fits: HashMap::new(),
        }
    }

    /// The best node for `task`, counted in; or why there is none.
    fn place(&mut self, task: &Task) -> Result<String, String> {
        if !self.fits.contains_key(&task.service_id) {
            // The service's current placement rules, so a pending task follows the spec.
            let spec = self
                .state
                .services
                .get(&task.service_id)
                .map_or(&task.spec, |s| &s.spec.task_template);
            let fit = Fit::new(Rules::of(spec), &self.nodes);
            self.fits.insert(task.service_id.clone(), fit);
        }
        let fit = &self.fits[&task.service_id];
        let counts = self.load.per_service.get(&task.service_id);
        let per = |i: usize| counts.map_or(0, |c| c[i]);
        let max = fit.rules.max_replicas;
        let under_limit = |i: usize| max == 0 || per(i) < max;
        let rank = |i: usize| (per(i), self.load.total[i], self.nodes[i].id.as_str());

        let chosen = if task.node_id.is_empty() {
            // Positions in `fit.eligible` still in play, and those that may take the task.
            let mut in_play: Vec<usize> = (0..fit.eligible.len()).collect();
            let mut candidates: Vec<usize> = in_play
                .iter()
                .copied()
                .filter(|&p| under_limit(fit.eligible[p]))
                .collect();
            if candidates.is_empty() {
                let mut why = fit.ruled_out.clone();
                for _ in &fit.eligible {
                    why.add(Filter::MaxReplicas);
                }
                return Err(why.message());
            }
            for groups in &fit.groups {
                let mut tasks = vec![0u64; fit.eligible.len()];
                for &p in &in_play {
                    tasks[groups[p] as usize] += per(fit.eligible[p]);
                }
                let best = candidates
                    .iter()
                    .map(|&p| {
                        (
                            (tasks[groups[p] as usize], rank(fit.eligible[p])),
                            groups[p],
                        )
                    })
                    .min_by(|a, b| a.0.cmp(&b.0))
                    .map(|(_, g)| g)
                    .expect("candidates are never empty");
                in_play.retain(|&p| groups[p] == best);
                candidates.retain(|&p| groups[p] == best);
            }
            candidates
                .into_iter()
                .map(|p| fit.eligible[p])
                .min_by_key(|&i| rank(i))
                .expect("candidates are never empty")
        } else {
            // A global task: only its own node.
            let node = self.index.get(task.node_id.as_str()).copied();
            let failed = match node {
                None => None,
                Some(i) if !self.nodes[i].accepts_tasks() => Some(Filter::Ready),
                Some(i) if !fit.rules.matches(self.nodes[i]) => Some(Filter::Constraints),
                Some(i) if !under_limit(i) => Some(Filter::MaxReplicas),
                Some(_) => None,
            };
            match (node, failed) {
                (Some(i), None) => i,
                (_, failed) => {
                    let mut why = Failures::default();
                    if let Some(f) = failed {
                        why.add(f);
                    }
                    return Err(why.message());
                }
            }
        };
        self.load.add(&task.service_id, chosen);
        Ok(self.nodes[chosen].id.clone())
    }
}

/// Assigns every unassigned runnable task: tasks created in `plan` are placed in place
/// (saving a round through raft), existing ones get an `AssignTask` or `SetTaskPending` op.
pub fn schedule(state: &State, plan: &mut Plan) {
    let mut s = Scheduler::new(state);
    for t in state.tasks.values() {
        if !t.node_id.is_empty()
            && t.status.state >= TaskState::Assigned
            && plan.desired_of(t).is_runnable()
            && !t.status.state.is_terminal()
        {
            if let Some(&i) = s.index.get(t.node_id.as_str()) {
                s.load.add(&t.service_id, i);
            }
        }
    }

    let mut ops = Vec::new();
    for t in state.tasks.values() {
        if t.status.state >= TaskState::Assigned || !plan.desired_of(t).is_runnable() {
            continue;
        }
        match s.place(t) {
            Ok(node_id) => ops.push(Op::AssignTask {
                id: t.id.clone(),
                node_id,
            }),
            Err(err) if t.status.state != TaskState::Pending || t.status.err != err => {
                ops.push(Op::SetTaskPending {
                    id: t.id.clone(),
                    err,
                })
            }
            Err(_) => {}
        }
    }
    for t in plan.new_tasks.iter_mut() {
        match s.place(t) {
            Ok(node_id) => {
                t.node_id = node_id;
                t.status.state = TaskState::Assigned;
                t.status.message = "scheduler assigned task to node".into();
            }
            Err(err) => {
                t.status.state = TaskState::Pending;
                t.status.message = "pending task scheduling".into();
                t.status.err = err;
            }
        }
    }
    plan.ops.extend(ops);
}
