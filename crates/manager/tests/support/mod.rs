#![allow(dead_code)] // each test file uses part of it

//! An in-memory manager for in-process tests: a `MemoryProposer` leader, a clock that moves
//! with tokio's (paused) time, and a swarm seeded as `swarm init` seeds it.

use shoal_api::{
    Cluster, Node, NodeDescription, NodeRole, NodeSpec, NodeState, NodeStatus, Resources, Timestamp,
};
use shoal_manager::clock::TokioClock;
use shoal_manager::Manager;
use shoal_store::Op;
use std::sync::Arc;
use std::time::Duration;

/// 2026-12-01T00:00:00Z: any fixed start will do; the clock moves with tokio's.
const START: Timestamp = Timestamp(1_796_083_200_000_000_000);

/// A swarm of one manager, `m1`, whose node is known but not yet registered.
pub async fn swarm() -> Arc<Manager> {
    let m = Manager::in_memory("m1", Arc::new(TokioClock::starting_at(START)));
    let cluster = Cluster {
        id: "cluster1".into(),
        ..Default::default()
    };
    let ops = vec![
        Op::PutCluster(Box::new(cluster)),
        Op::PutNode(Box::new(node("m1", NodeRole::Manager))),
        shoal_manager::control::networks::ingress_op(&["10.0.0.0/8".to_string()], 24)
            .expect("ingress"),
    ];
    for r in m.propose(ops).await.expect("seed") {
        r.expect("seed op");
    }
    m
}

pub fn node(id: &str, role: NodeRole) -> Node {
    Node {
        id: id.into(),
        spec: NodeSpec {
            role,
            ..Default::default()
        },
        status: NodeStatus {
            state: NodeState::Unknown,
            message: String::new(),
            addr: "127.0.0.1".into(),
        },
        ..Default::default()
    }
}

/// What an agent announces when it registers.
pub fn description(hostname: &str) -> NodeDescription {
    NodeDescription {
        hostname: hostname.into(),
        resources: Resources {
            nano_cpus: 2_000_000_000,
            memory_bytes: 1 << 30,
        },
        ..Default::default()
    }
}

/// Waits (in tokio time, so instantly under pause) until `check` holds on the state;
/// panics with `what` after `limit`.
pub async fn until(
    m: &Manager,
    limit: Duration,
    what: &str,
    check: impl Fn(&shoal_store::State) -> bool,
) {
    let mut changes = m.store.subscribe();
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if check(&m.read()) {
            return;
        }
        tokio::select! {
            _ = changes.changed() => {}
            _ = tokio::time::sleep_until(deadline) => panic!("timed out waiting for {what}"),
        }
    }
}
