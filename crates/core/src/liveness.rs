//! Node liveness: a node whose agent has not been heard from within the grace period is
//! marked down (and the orchestrators then replace its tasks). A node whose session closed
//! (its daemon died: the kernel closes the connection at once) and that has not been heard
//! from since goes down sooner, after [`CLOSED_GRACE_FACTOR`] periods: long enough for a live
//! node that merely switched managers to send its next heartbeat.
//!
//! Heartbeat times live in the dispatcher's memory, not in the replicated state, so they
//! are a parameter here; a new leader counts every node as last seen when it took over.

use shoal_api::{NodeState, NodeStatus, Timestamp};
use shoal_store::{Op, State};
use std::collections::HashMap;
use std::time::Duration;

/// Grace periods per heartbeat period before a silent node is declared down (Swarm's factor).
pub const GRACE_FACTOR: u32 = 3;

/// Heartbeat periods after a closed session before a node not heard from since is down.
pub const CLOSED_GRACE_FACTOR: f64 = 1.5;

/// What the leader's dispatcher has heard from the nodes.
pub struct Heard<'a> {
    /// Last heartbeat or registration per node.
    pub seen: &'a HashMap<String, Timestamp>,
    /// Last closed session per node.
    pub closed: &'a HashMap<String, Timestamp>,
    /// When this manager became leader (nodes count as seen then).
    pub leader_since: Timestamp,
}

/// Operations marking down every node that is silent for `GRACE_FACTOR` heartbeat periods,
/// or whose session closed `CLOSED_GRACE_FACTOR` periods ago with nothing heard since.
pub fn expired(state: &State, heard: &Heard<'_>, now: Timestamp, period: Duration) -> Vec<Op> {
    let grace = period * GRACE_FACTOR;
    let closed_grace = period.mul_f64(CLOSED_GRACE_FACTOR);
    state
        .nodes
        .values()
        .filter(|n| n.status.state != NodeState::Down)
        .filter_map(|n| {
            let seen = heard
                .seen
                .get(&n.id)
                .copied()
                .unwrap_or(heard.leader_since)
                .max(heard.leader_since);
            let closed = heard.closed.get(&n.id).copied().filter(|c| *c > seen);
            let message = if closed.is_some_and(|c| now.since(c) > closed_grace) {
                "session closed: the node's daemon stopped or lost its connection"
            } else if now.since(seen) > grace {
                "heartbeat failure"
            } else {
                return None;
            };
            Some(Op::SetNodeStatus {
                id: n.id.clone(),
                status: NodeStatus {
                    state: NodeState::Down,
                    message: message.into(),
                    addr: n.status.addr.clone(),
                },
            })
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
    const PERIOD: Duration = Duration::from_secs(1);

    fn run(
        st: &State,
        seen: &[(&str, i64)],
        closed: &[(&str, i64)],
        since: i64,
        now: i64,
    ) -> Vec<String> {
        let map = |v: &[(&str, i64)]| {
            v.iter()
                .map(|(id, t)| (id.to_string(), Timestamp(t * S / 10)))
                .collect::<HashMap<_, _>>()
        };
        let (seen, closed) = (map(seen), map(closed));
        let heard = Heard {
            seen: &seen,
            closed: &closed,
            leader_since: Timestamp(since * S / 10),
        };
        expired(st, &heard, Timestamp(now * S / 10), PERIOD)
            .into_iter()
            .map(|op| match op {
                Op::SetNodeStatus { id, status } => {
                    assert_eq!(status.state, NodeState::Down);
                    id
                }
                other => panic!("{other:?}"),
            })
            .collect()
    }

    // Times below are in tenths of a second.

    #[test]
    fn silent_nodes_go_down_after_the_grace_period() {
        let st = state_with(&[("a", NodeState::Ready), ("b", NodeState::Ready)]);
        assert_eq!(run(&st, &[("a", 1000), ("b", 969)], &[], 0, 1000), ["b"]);
    }

    #[test]
    fn a_closed_session_brings_a_silent_node_down_sooner() {
        let st = state_with(&[("a", NodeState::Ready), ("b", NodeState::Ready)]);
        // Both closed at 98.0; a heartbeat from a at 98.5 (it moved to another manager).
        let closed = [("a", 980), ("b", 980)];
        assert_eq!(
            run(&st, &[("a", 985), ("b", 975)], &closed, 0, 990),
            Vec::<String>::new()
        );
        assert_eq!(run(&st, &[("a", 985), ("b", 975)], &closed, 0, 996), ["b"]);
    }

    #[test]
    fn a_new_leader_gives_every_node_a_full_grace_period() {
        let st = state_with(&[("a", NodeState::Ready)]);
        assert!(run(&st, &[], &[], 990, 1000).is_empty());
    }

    #[test]
    fn down_nodes_are_not_marked_again() {
        let st = state_with(&[("a", NodeState::Down)]);
        assert!(run(&st, &[], &[("a", 1)], 0, 1000).is_empty());
    }
}
