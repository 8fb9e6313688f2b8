//! `swarm init --force-new-cluster` on a manager: a new single-voter raft that starts from
//! this manager's copy of the state, so a manager restored from a backup (or the survivor of
//! a lost quorum) brings back the cluster's services, nodes and tasks on its own. The other
//! managers stay in the node list, unreachable, until they are demoted and removed (as in
//! Swarm). Running tasks are kept: the agent just reconnects to the new dispatcher.

use crate::runtime::{LocalState, NodeRuntime};
use shoal_manager::control::ControlError;
use shoal_store::Op;

fn internal(e: impl std::fmt::Display) -> ControlError {
    ControlError::Internal(e.to_string())
}

impl NodeRuntime {
    pub(crate) async fn force_new_cluster(&self) -> Result<String, ControlError> {
        let mut guard = self.active.lock().await;
        let Some(active) = guard.as_mut() else {
            return Err(ControlError::Unavailable(
                "This node is not part of a swarm".into(),
            ));
        };
        let Some(parts) = active.manager.take() else {
            return Err(ControlError::Unavailable(
                "--force-new-cluster needs a manager's state; this node is a worker".into(),
            ));
        };
        // What this manager has applied: everything it knows was committed.
        let state = parts.manager.read().clone();
        let identity = active.identity.clone();
        parts.stop().await;

        let raft_dir = self.swarm_dir().join("raft");
        let old = self.swarm_dir().join("raft.before-force-new-cluster");
        let _ = std::fs::remove_dir_all(&old);
        std::fs::rename(&raft_dir, &old).map_err(internal)?;
        let restart = async {
            let brain = self.open_raft(&identity).await?;
            brain.raft.bootstrap_single().await?;
            Ok::<_, shoal_manager::ManagerError>(brain)
        };
        let brain = match restart.await {
            Ok(m) => m,
            Err(e) => {
                // Put the old log back: nothing is lost by a failed attempt.
                let _ = std::fs::remove_dir_all(&raft_dir);
                let _ = std::fs::rename(&old, &raft_dir);
                return Err(internal(e));
            }
        };
        let manager = brain.manager.clone();
        manager.propose(vec![Op::Restore(Box::new(state))]).await?;
        let parts = self
            .start_manager_parts(&identity, brain)
            .await
            .map_err(internal)?;
        active.dispatcher.switch(parts.agent_dispatcher());
        active.manager = Some(parts);
        self.set_local(LocalState::Active {
            node_id: identity.node_id.clone(),
            addr: identity.addr.clone(),
            manager,
        });
        let _ = std::fs::remove_dir_all(&old);
        tracing::info!("forced a new cluster from this manager's state");
        Ok(identity.node_id)
    }
}
