//! Node liveness: a node whose agent has not been heard from within the grace period is
//! marked down (and the orchestrators then replace its tasks).
//!
//! Heartbeat times live in the dispatcher's memory, not in the replicated state, so they
//! are a parameter here; a new leader counts every node as last seen when it took over.

use shoal_api::{NodeState, NodeStatus, Timestamp};
use shoal_store::{Op, State};
use std::collections::HashMap;
use std::time::Duration;

/// Grace periods per heartbeat period before a node is declared down (Swarm's factor).
pub const GRACE_FACTOR: u32 = 3;

/// Operations marking down every node not heard from within `grace`.
pub fn expired(
    state: &State,
    last_seen: &HashMap<String, Timestamp>,
    leader_since: Timestamp,
    now: Timestamp,
    grace: Duration,
) -> Vec<Op> {
    state
        .nodes
        .values()
        .filter(|n| n.status.state != NodeState::Down)
        .filter(|n| {
            let seen = last_seen
                .get(&n.id)
                .copied()
                .unwrap_or(leader_since)
                .max(leader_since);
            now.since(seen) > grace
        })
        .map(|n| Op::SetNodeStatus {
            id: n.id.clone(),
            status: NodeStatus {
                state: NodeState::Down,
                message: "heartbeat failure".into(),
                addr: n.status.addr.clone(),
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use shoal_api::Node;

    fn state_with(ids: &[(&str, NodeState)]) -> State {
        let mut st = State::default();
        for (id, s) in ids {
            let mut n = Node {
                id: id.to_string(),
                ..Default::default()
            };
            n.status.state = *s;
            st.nodes.insert(n.id.clone(), n);
        }
        st
    }

    const S: i64 = 1_000_000_000;

    #[test]
    fn silent_nodes_go_down_after_the_grace_period() {
        let st = state_with(&[("a", NodeState::Ready), ("b", NodeState::Ready)]);
        let mut seen = HashMap::new();
        seen.insert("a".to_string(), Timestamp(100 * S));
        seen.insert("b".to_string(), Timestamp(96 * S));
        let ops = expired(
            &st,
            &seen,
            Timestamp(0),
            Timestamp(100 * S),
            Duration::from_secs(3),
        );
        assert_eq!(ops.len(), 1);
        assert!(
            matches!(&ops[0], Op::SetNodeStatus { id, status } if id == "b" && status.state == NodeState::Down)
        );
    }

    #[test]
    fn a_new_leader_gives_every_node_a_full_grace_period() {
        let st = state_with(&[("a", NodeState::Ready)]);
        let ops = expired(
            &st,
            &HashMap::new(),
            Timestamp(99 * S),
            Timestamp(100 * S),
            Duration::from_secs(3),
        );
        assert!(ops.is_empty());
    }

    #[test]
    fn down_nodes_are_not_marked_again() {
        let st = state_with(&[("a", NodeState::Down)]);
        let ops = expired(
            &st,
            &HashMap::new(),
            Timestamp(0),
            Timestamp(100 * S),
            Duration::from_secs(3),
        );
        assert!(ops.is_empty());
    }
}
