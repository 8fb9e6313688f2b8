//! Checks a placement plan of the synthetic cluster, so that a figure can never be that of
//! a pass that decided nothing: every service has exactly its replicas, each in its own
//! slot, every task is assigned to a ready node that exists, the constrained services avoid
//! the excluded zone and are spread over the others within one task, and the unconstrained
//! ones are spread over all nodes within one task.

use super::synthetic::{is_constrained, service_id, Shape, AVOIDED_ZONE};
use anyhow::{bail, Result};
use shoal_api::{Task, TaskState};
use shoal_store::State;
use std::collections::{BTreeMap, HashMap, HashSet};

/// What a correct plan looks like, in numbers (printed with the figures).
#[derive(Debug, Default)]
pub struct Verdict {
    pub placed: u64,
    /// The largest gap, over services, between their most and least loaded zone (constrained
    /// services) or node (the others).
    pub worst_zone_gap: u64,
    pub worst_node_gap: u64,
}

/// One service's tasks in the plan.
#[derive(Default)]
struct Seen<'a> {
    slots: HashSet<u64>,
    zones: BTreeMap<&'a str, u64>,
    nodes: HashMap<&'a str, u64>,
}

pub fn placement(state: &State, shape: Shape, tasks: &[Task]) -> Result<Verdict> {
    if tasks.len() as u64 != shape.tasks() {
        bail!(
            "the plan creates {} tasks, the shape needs {}",
            tasks.len(),
            shape.tasks()
        );
    }
    let mut per_service: HashMap<&str, Seen> = HashMap::new();
    for t in tasks {
        if t.status.state != TaskState::Assigned || t.node_id.is_empty() {
            bail!(
                "task {} of {} is not assigned ({:?}: {})",
                t.id,
                t.service_id,
                t.status.state,
                t.status.err
            );
        }
        let Some(node) = state.nodes.get(&t.node_id) else {
            bail!("task {} is assigned to an unknown node {}", t.id, t.node_id);
        };
        if !node.accepts_tasks() {
            bail!(
                "task {} is on node {} which takes no tasks",
                t.id,
                t.node_id
            );
        }
        let zone = node.spec.labels.get("zone").map_or("", String::as_str);
        let e = per_service.entry(t.service_id.as_str()).or_default();
        if !e.slots.insert(t.slot) {
            bail!("service {} has two tasks in slot {}", t.service_id, t.slot);
        }
        *e.zones.entry(zone).or_default() += 1;
        *e.nodes.entry(t.node_id.as_str()).or_default() += 1;
    }
    let mut v = Verdict {
        placed: tasks.len() as u64,
        ..Verdict::default()
    };
    let all_nodes = state.nodes.len();
    for i in 0..shape.services {
        let id = service_id(i);
        let Some(Seen {
            slots,
            zones,
            nodes,
        }) = per_service.get(id.as_str())
        else {
            bail!("service {id} got no tasks");
        };
        if slots.len() as u64 != shape.replicas {
            bail!(
                "service {id} has {} tasks, not {}",
                slots.len(),
                shape.replicas
            );
        }
        if is_constrained(i) {
            if zones.contains_key(AVOIDED_ZONE) {
                bail!(
                    "service {id} has {} tasks in the excluded zone",
                    zones[AVOIDED_ZONE]
                );
            }
            v.worst_zone_gap = v.worst_zone_gap.max(gap(zones.values().copied()));
        } else {
            // Nodes with none of the service's tasks count as 0.
            let empty = all_nodes - nodes.len();
            let counts = nodes.values().copied().chain((0..empty).map(|_| 0));
            v.worst_node_gap = v.worst_node_gap.max(gap(counts));
        }
    }
    if v.worst_zone_gap > 1 || v.worst_node_gap > 1 {
        bail!("placement is unbalanced: {v:?}");
    }
    Ok(v)
}

/// The largest count minus the smallest (0 for none).
fn gap(counts: impl Iterator<Item = u64>) -> u64 {
    let (lo, hi) = counts.fold((u64::MAX, 0), |(lo, hi), c| (lo.min(c), hi.max(c)));
    hi.saturating_sub(lo)
}
