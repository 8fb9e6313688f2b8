//! The loops that notice role changes: the leader removes demoted managers from the raft
//! voters; a manager notices it was demoted and let go by raft; a worker notices its session
//! asks it to be a manager. The last two ask the runtime to act ([`crate::events`]); the
//! changes themselves are in [`crate::roles`].

use crate::events::{Events, NodeEvent};
use shoal_api::{NodeRole, NodeState};
use shoal_manager::control::nodes::manager_count;
use shoal_manager::manager::Manager;
use shoal_manager::raft_ids::raft_id_of;
use shoal_raft::RaftNode;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How often the role loops look again when nothing changed (raft membership changes do
/// not show up as store changes).
const RECHECK: Duration = Duration::from_millis(500);

/// Leader only: removes from the raft voters the managers the swarm now wants as workers,
/// each as soon as that keeps a reachable majority.
pub(crate) async fn remove_demoted_voters(
    manager: Arc<Manager>,
    raft: RaftNode,
    mut stop: watch::Receiver<bool>,
) {
    let mut changes = manager.store.subscribe();
    loop {
        if *stop.borrow() {
            return;
        }
        if manager.proposer.is_ready_leader() {
            remove_demoted_once(&manager, &raft).await;
        }
        tokio::select! {
            _ = changes.changed() => {}
            _ = tokio::time::sleep(RECHECK) => {}
            _ = stop.changed() => {}
        }
    }
}

async fn remove_demoted_once(manager: &Manager, raft: &RaftNode) {
    let voters: HashSet<u64> = raft.members().into_iter().map(|(id, _)| id).collect();
    let demoted: Vec<(String, bool)> = manager
        .read()
        .nodes
        .values()
        .filter(|n| n.spec.role == NodeRole::Worker && voters.contains(&raft_id_of(&n.id)))
        .map(|n| (n.id.clone(), n.status.state != NodeState::Down))
        .collect();
    for (node_id, reachable) in demoted {
        if !manager_count(manager).can_remove(reachable) {
            tracing::warn!(
                "not removing demoted manager {node_id} from raft yet: {}",
                shoal_manager::quorum::DEMOTE_LOSES_QUORUM
            );
            continue;
        }
        match raft.remove_voter(raft_id_of(&node_id)).await {
            Ok(()) => tracing::info!("demoted manager {node_id} removed from raft"),
            Err(e) => tracing::warn!("removing demoted manager {node_id} from raft: {e}"),
        }
    }
}

/// On every manager: once the swarm wants this node as a worker and the raft has let it go,
/// turn it into a worker.
pub(crate) async fn watch_own_demotion(
    events: Events,
    manager: Arc<Manager>,
    raft: RaftNode,
    mut stop: watch::Receiver<bool>,
) {
    let mut changes = manager.store.subscribe();
    let me = raft_id_of(&manager.node_id);
    // A manager still catching up (just promoted, or restarted) may read an old spec that
    // says worker: only a node that has been a voter and is no longer one is leaving.
    let mut was_voter = false;
    loop {
        tokio::select! {
            _ = changes.changed() => {}
            _ = tokio::time::sleep(RECHECK) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            return;
        }
        let demoted = manager
            .read()
            .nodes
            .get(&manager.node_id)
            .is_some_and(|n| n.spec.role == NodeRole::Worker);
        if raft.is_voter_in_latest_config(me) {
            was_voter = true;
            continue;
        }
        if !demoted || !was_voter || raft.is_leader() {
            continue;
        }
        match events.ask(NodeEvent::Demote).await {
            Ok(()) => return,
            Err(e) => tracing::warn!("demotion to worker: {e}; retrying"),
        }
    }
}

/// On a worker: once its session says the swarm wants it as a manager, promote it.
pub(crate) async fn watch_own_promotion(
    events: Events,
    mut role: watch::Receiver<String>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        if *stop.borrow() {
            return;
        }
        if role.borrow_and_update().as_str() == "manager" {
            match events.ask(NodeEvent::Promote).await {
                Ok(()) => return,
                Err(e) => {
                    tracing::warn!("promotion to manager: {e}; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                        _ = stop.changed() => {}
                    }
                    continue;
                }
            }
        }
        tokio::select! {
            changed = role.changed() => if changed.is_err() { return },
            _ = stop.changed() => {}
        }
    }
}
