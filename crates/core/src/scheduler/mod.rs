//! The scheduler: places unassigned tasks on nodes.
//!
//! A node qualifies when it is ready and active, satisfies the service's placement
//! constraints, has the CPU and memory the task reserves left (its capacity as its agent
//! reports it, minus the reservations of the tasks it runs), has none of the task's
//! host-mode published ports in use, holds fewer than its max replicas per node of the
//! service (and, for global tasks, is the task's node). Spread preferences then pick, level
//! by level, the group of nodes (by label value; nodes without the label form their own
//! group) holding the fewest tasks of the service; within it, nodes where this version of
//! the service failed 5 times in the last 5 minutes come last (swarmkit's rule), then the
//! node with the fewest tasks of the same service, then the fewest tasks in all, then the
//! lowest node id (so decisions are reproducible). A task that fits nowhere stays pending
//! with Swarm's explanation.

mod batch;

use crate::placement::explain::{Failures, Filter};
use crate::placement::{spread_value, Rules};
use crate::plan::Plan;
use shoal_api::{Node, Service, Task, TaskResources, TaskState, Timestamp};
use shoal_store::{Op, State};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// swarmkit's "recently failed" rule: this many failures of one service version on a node...
pub const MAX_FAILURES: usize = 5;
/// ...within this window put the node last for that service.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(5 * 60);

/// A host-mode published port: (protocol, port).
type HostPort = (String, u32);

/// What a task takes from its node beyond a place: reserved CPU and memory, host ports.
#[derive(Debug, Clone, Default)]
struct Ask {
    nano_cpus: i64,
    memory_bytes: i64,
    host_ports: Vec<HostPort>,
}

impl Ask {
    fn of(task_spec: &shoal_api::TaskSpec, service: Option<&Service>) -> Ask {
        let r = TaskResources::of(task_spec.resources.as_ref()).reservations;
        let host_ports = service
            .and_then(|s| s.spec.endpoint_spec.as_ref())
            .map(|e| {
                e.ports
                    .iter()
                    .filter(|p| p.publish_mode == "host")
                    .filter_map(|p| {
                        let proto = if p.protocol.is_empty() {
                            "tcp".to_string()
                        } else {
                            p.protocol.clone()
                        };
                        p.published_port.filter(|n| *n > 0).map(|n| (proto, n))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ask {
            nano_cpus: r.nano_cpus.max(0),
            memory_bytes: r.memory_bytes.max(0),
            host_ports,
        }
    }
}

/// Counts of active tasks per node and per service and node, by node index (this is read
/// for every candidate node of every task placed, so it neither hashes nor allocates),
/// with the resources and host ports they hold.
struct Load {
    total: Vec<u64>,
    per_service: HashMap<String, Vec<u64>>,
    cpu_left: Vec<i64>,
    mem_left: Vec<i64>,
    /// Host ports in use, only for nodes that have any.
    ports: HashMap<usize, HashSet<HostPort>>,
    /// Nodes where each service's current version failed recently.
    failing: HashMap<String, HashSet<usize>>,
    /// Each node's reported (nano-CPUs, memory bytes).
    caps: Vec<(i64, i64)>,
}

impl Load {
    fn add(&mut self, service: &str, node: usize, ask: &Ask) {
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
        self.cpu_left[node] -= ask.nano_cpus;
        self.mem_left[node] -= ask.memory_bytes;
        if !ask.host_ports.is_empty() {
            self.ports
                .entry(node)
                .or_default()
                .extend(ask.host_ports.iter().cloned());
        }
    }

    /// The first per-node filter `ask` fails on `node`, if any.
    fn refuses(&self, node: usize, ask: &Ask) -> Option<Filter> {
        // A node that reports no capacity (0) is not limited, as in swarmkit.
        // Checked for every candidate node of every task: skip what the task does not ask.
        if ask.nano_cpus > 0 || ask.memory_bytes > 0 {
            let short = |left: i64, want: i64, cap: i64| want > 0 && cap > 0 && left < want;
            if short(self.cpu_left[node], ask.nano_cpus, self.cpu_cap(node))
                || short(self.mem_left[node], ask.memory_bytes, self.mem_cap(node))
            {
                return Some(Filter::Resources);
            }
        }
        if !ask.host_ports.is_empty() {
            if let Some(used) = self.ports.get(&node) {
                if ask.host_ports.iter().any(|p| used.contains(p)) {
                    return Some(Filter::HostPorts);
                }
            }
        }
        None
    }

    fn cpu_cap(&self, node: usize) -> i64 {
        self.caps[node].0
    }

    fn mem_cap(&self, node: usize) -> i64 {
        self.caps[node].1
    }
}

/// A service's rules with the nodes (by index) that are ready and satisfy its
/// constraints, and their spread groups, worked out once per pass.
struct Fit {
    rules: Rules,
    /// What a task of the service's current spec reserves and publishes.
    ask: Ask,
    eligible: Vec<usize>,
    /// Per spread level, the group of each eligible node (same order as `eligible`).
    groups: Vec<Vec<u32>>,
    /// Nodes ruled out before the per-node limit: not ready, constraints.
    ruled_out: Failures,
}

impl Fit {
    fn new(rules: Rules, ask: Ask, nodes: &[&Node]) -> Fit {
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
            ask,
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
        let caps: Vec<(i64, i64)> = nodes
            .iter()
            .map(|n| {
                let r = &n.description.resources;
                (r.nano_cpus, r.memory_bytes)
            })
            .collect();
        Scheduler {
            nodes,
            index,
            state,
            load: Load {
                total: vec![0; n],
                per_service: HashMap::new(),
                cpu_left: caps.iter().map(|c| c.0).collect(),
                mem_left: caps.iter().map(|c| c.1).collect(),
                ports: HashMap::new(),
                failing: HashMap::new(),
                caps,
            },
            fits: HashMap::new(),
        }
    }

    /// Counts a task already on `node` (by index) in.
    fn count(&mut self, t: &Task, node: usize) {
        let ask = Ask::of(&t.spec, self.state.services.get(&t.service_id));
        self.load.add(&t.service_id, node, &ask);
    }

    /// Marks the nodes where each service's current version failed `MAX_FAILURES` times
    /// within `FAILURE_WINDOW` before `now`.
    fn note_failures(&mut self, now: Timestamp) {
        let mut counts: HashMap<(&str, usize), usize> = HashMap::new();
        for t in self.state.tasks.values() {
            if !matches!(t.status.state, TaskState::Failed | TaskState::Rejected)
                || now.since(t.status.timestamp) > FAILURE_WINDOW
            {
                continue;
            }
            let current = self
                .state
                .services
                .get(&t.service_id)
                .is_some_and(|s| s.spec_version == t.spec_version);
            if let (true, Some(&i)) = (current, self.index.get(t.node_id.as_str())) {
                *counts.entry((t.service_id.as_str(), i)).or_default() += 1;
            }
        }
        for ((service, node), n) in counts {
            if n >= MAX_FAILURES {
                self.load
                    .failing
                    .entry(service.to_string())
                    .or_default()
                    .insert(node);
            }
        }
    }

    /// Works out `task`'s service's fit once per pass.
    fn ensure_fit(&mut self, task: &Task) {
        if !self.fits.contains_key(&task.service_id) {
            // The service's current placement rules, so a pending task follows the spec.
            let spec = self
                .state
                .services
                .get(&task.service_id)
                .map_or(&task.spec, |s| &s.spec.task_template);
            let service = self.state.services.get(&task.service_id);
            let fit = Fit::new(Rules::of(spec), Ask::of(spec, service), &self.nodes);
            self.fits.insert(task.service_id.clone(), fit);
        }
    }

    /// The best node for `task`, counted in; or why there is none.
    fn place(&mut self, task: &Task) -> Result<String, String> {
        self.ensure_fit(task);
        let fit = &self.fits[&task.service_id];
        let counts = self.load.per_service.get(&task.service_id);
        let failing = self.load.failing.get(&task.service_id);
        let per = |i: usize| counts.map_or(0, |c| c[i]);
        let max = fit.rules.max_replicas;
        // The first per-node filter a node fails, in swarmkit's pipeline order.
        let refuses = |i: usize| {
            self.load
                .refuses(i, &fit.ask)
                .or_else(|| (max != 0 && per(i) >= max).then_some(Filter::MaxReplicas))
        };
        // Nodes are in id order, so the index breaks ties as the id would.
        let rank = |i: usize| {
            (
                failing.is_some_and(|f| f.contains(&i)),
                per(i),
                self.load.total[i],
                i,
            )
        };

        let chosen = if task.node_id.is_empty() {
            // Positions in `fit.eligible` still in play, and those that may take the task.
            let mut in_play: Vec<usize> = (0..fit.eligible.len()).collect();
            let mut candidates: Vec<usize> = in_play
                .iter()
                .copied()
                .filter(|&p| refuses(fit.eligible[p]).is_none())
                .collect();
            if candidates.is_empty() {
                let mut why = fit.ruled_out.clone();
                for &i in &fit.eligible {
                    why.add(refuses(i).unwrap_or(Filter::MaxReplicas));
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
                Some(i) => refuses(i),
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
        self.load
            .add(&task.service_id, chosen, &self.fits[&task.service_id].ask);
        Ok(self.nodes[chosen].id.clone())
    }
}

/// Assigns every unassigned runnable task: tasks created in `plan` are placed in place
/// (saving a round through raft), existing ones get an `AssignTask` or `SetTaskPending` op.
pub fn schedule(state: &State, now: Timestamp, plan: &mut Plan) {
    schedule_with(state, now, plan, true)
}

/// [`schedule`], with `batch` false placing every task on its own (the reference the batch
/// path is tested against).
#[doc(hidden)]
pub fn schedule_with(state: &State, now: Timestamp, plan: &mut Plan, batch: bool) {
    let mut s = Scheduler::new(state);
    s.note_failures(now);
    for t in state.tasks.values() {
        if !t.node_id.is_empty()
            && t.status.state >= TaskState::Assigned
            && plan.desired_of(t).is_runnable()
            && !t.status.state.is_terminal()
        {
            if let Some(&i) = s.index.get(t.node_id.as_str()) {
                s.count(t, i);
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
    // New tasks come service by service: each run of one service's unplaced tasks is
    // placed together (see `batch`), global tasks one by one.
    let mut i = 0;
    while i < plan.new_tasks.len() {
        let first = &plan.new_tasks[i];
        let run = plan.new_tasks[i..]
            .iter()
            .take_while(|t| t.service_id == first.service_id && t.node_id.is_empty())
            .count();
        if run == 0 || !batch {
            let result = s.place(&plan.new_tasks[i]);
            settle(&mut plan.new_tasks[i], result);
            i += 1;
            continue;
        }
        let results = s.place_run(&plan.new_tasks[i].clone(), run);
        for (t, result) in plan.new_tasks[i..i + run].iter_mut().zip(results) {
            settle(t, result);
        }
        i += run;
    }
    plan.ops.extend(ops);
}

/// Records where a new task goes, or why it waits.
fn settle(t: &mut Task, result: Result<String, String>) {
    match result {
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
