//! Node operations: list, inspect, update (labels, availability, role), remove.

use super::filters::Filters;
use super::{resolve_id, single, ControlError};
use crate::manager::Manager;
use shoal_api::{Node, NodeRole, NodeSpec, NodeState};
use shoal_store::{Kind, Op, State};
use std::collections::HashSet;

pub const FILTERS: &[&str] = &["name", "id", "label", "role", "membership", "node.label"];

/// Fills in what the live manager knows: who leads.
fn with_manager_status(m: &Manager, mut n: Node) -> Node {
    if n.spec.role == NodeRole::Manager {
        let leader_addr = m.proposer.current_leader().and_then(|id| {
            m.proposer
                .members()
                .into_iter()
                .find(|(i, _)| *i == id)
                .map(|(_, a)| a)
        });
        let ms = n.manager_status.get_or_insert_with(Default::default);
        ms.leader = if n.id == m.node_id {
            m.proposer.is_leader()
        } else {
            leader_addr.as_deref() == Some(ms.addr.as_str())
        };
        // A manager the leader no longer hears from is unreachable.
        ms.reachability = if n.status.state == shoal_api::NodeState::Down {
            "unreachable".into()
        } else {
            "reachable".into()
        };
        if ms.addr.is_empty() {
            ms.addr = n.status.addr.clone();
        }
    } else {
        n.manager_status = None;
    }
    n
}

/// The raft voters, split by whether the leader hears from them (their node is not down).
pub fn manager_count(m: &Manager) -> crate::quorum::ManagerCount {
    count_voters(&m.read(), &voters(m))
}

/// The raft ids of the voting managers, as consensus knows them now.
fn voters(m: &Manager) -> HashSet<u64> {
    m.proposer.members().into_iter().map(|(id, _)| id).collect()
}

/// [`manager_count`] over a state and a set of voters.
fn count_voters(st: &State, voters: &HashSet<u64>) -> crate::quorum::ManagerCount {
    let mut count = crate::quorum::ManagerCount {
        reachable: 0,
        unreachable: 0,
    };
    for n in st.nodes.values() {
        if !voters.contains(&crate::raft_ids::raft_id_of(&n.id)) {
            continue;
        }
        if n.status.state == NodeState::Down {
            count.unreachable += 1;
        } else {
            count.reachable += 1;
        }
    }
    count
}

pub fn list(m: &Manager, f: &Filters) -> Vec<Node> {
    let nodes: Vec<Node> = m.read().nodes.values().cloned().collect();
    nodes
        .into_iter()
        .filter(|n| {
            f.any("name", |v| {
                n.description.hostname.starts_with(v) || n.spec.name.starts_with(v)
            }) && f.any("id", |v| n.id.starts_with(v))
                && f.labels("label", &n.description.engine.labels)
                && f.labels("node.label", &n.spec.labels)
                && f.any("role", |v| match v {
                    "manager" => n.spec.role == NodeRole::Manager,
                    "worker" => n.spec.role == NodeRole::Worker,
                    _ => false,
                })
                && f.any("membership", |v| v == "accepted")
        })
        .map(|n| with_manager_status(m, n))
        .collect()
}

pub fn inspect(m: &Manager, reference: &str) -> Result<Node, ControlError> {
    let reference = if reference == "self" {
        m.node_id.as_str()
    } else {
        reference
    };
    let node = {
        let st = m.read();
        let id = resolve_id(&st, Kind::Node, reference)?;
        st.nodes[&id].clone()
    };
    Ok(with_manager_status(m, node))
}

/// `node update` as data, refused when it would demote the last manager or cost the raft
/// its quorum. Pure: `voters` are the raft ids consensus counts now.
pub fn plan_update(
    st: &State,
    voters: &HashSet<u64>,
    id: &str,
    version: u64,
    spec: NodeSpec,
) -> Result<Op, ControlError> {
    let node = &st.nodes[id];
    if version == 0 {
        return Err(ControlError::invalid("invalid node version 0"));
    }
    if node.spec.role == NodeRole::Manager && spec.role == NodeRole::Worker {
        let managers = st
            .nodes
            .values()
            .filter(|n| n.spec.role == NodeRole::Manager)
            .count();
        if managers <= 1 {
            return Err(ControlError::invalid(
                "attempting to demote the last manager of the swarm",
            ));
        }
        let reachable = node.status.state != NodeState::Down;
        let is_voter = voters.contains(&crate::raft_ids::raft_id_of(&node.id));
        if is_voter && !count_voters(st, voters).can_remove(reachable) {
            return Err(ControlError::invalid(crate::quorum::DEMOTE_LOSES_QUORUM));
        }
    }
    Ok(Op::UpdateNodeSpec {
        id: node.id.clone(),
        spec,
        expected_version: version,
    })
}

pub async fn update(
    m: &Manager,
    reference: &str,
    version: u64,
    spec: NodeSpec,
) -> Result<(), ControlError> {
    let id = inspect(m, reference)?.id;
    let op = plan_update(&m.read(), &voters(m), &id, version, spec)?;
    single(m.propose(vec![op]).await?)?;
    Ok(())
}

/// `node rm` as data: a manager must be demoted first, a live node needs `--force`.
pub fn plan_remove(node: &Node, force: bool) -> Result<Op, ControlError> {
    if node.spec.role == NodeRole::Manager {
        return Err(ControlError::invalid(format!(
            "node {} is a cluster manager and is a member of the raft cluster. It must be demoted to worker before removal",
            node.id
        )));
    }
    if node.status.state != NodeState::Down && !force {
        return Err(ControlError::invalid(format!(
            "node {} is not down and can't be removed",
            node.id
        )));
    }
    Ok(Op::DeleteNode {
        id: node.id.clone(),
    })
}

pub async fn remove(m: &Manager, reference: &str, force: bool) -> Result<(), ControlError> {
    let node = inspect(m, reference)?;
    let op = plan_remove(&node, force)?;
    single(m.propose(vec![op]).await?)?;
    Ok(())
}
