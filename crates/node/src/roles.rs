//! Role changes (`node promote` / `node demote`), carried out by the nodes themselves:
//!
//! - Promotion: the worker learns its new desired role from its dispatcher session, gets a
//!   manager certificate from the CA (which issues the role the swarm wants), starts an
//!   empty raft and the manager's parts, and asks the leader to add it as a voter. Its
//!   agent switches to the local dispatcher; no task restarts.
//! - Demotion: the leader removes the demoted manager from the raft voters (only while that
//!   keeps a reachable majority); the demoted node sees itself gone from the newest raft
//!   configuration, gets a worker certificate from another manager, stops its manager parts,
//!   drops its raft data and carries on as a worker.

use crate::renewal::Renewer;
use crate::runtime::{Identity, LocalState, NodeRuntime};
use shoal_api::NodeRole;
use shoal_ca::Role;
use shoal_manager::fs::write_atomic;
use shoal_manager::manager::Manager;
use shoal_manager::peers::Peers;
use shoal_manager::pki::NodeCerts;
use shoal_manager::raft_ids::raft_id_of;
use shoal_rpc::{client, pb};
use std::sync::Arc;
use std::time::Duration;

fn role_of(certs: &NodeCerts) -> Option<Role> {
    let der = shoal_ca::cert_der_from_pem(&certs.cert_pem).ok()?;
    shoal_ca::identity_of(&der).ok().map(|id| id.role)
}

/// Asks the managers at `addrs` in turn for a certificate of `role` (the CA issues the role
/// the swarm wants, so a manager that has not yet seen the change answers with the old one).
async fn certificate_for(
    swarm_dir: &std::path::Path,
    addrs: &[String],
    role: Role,
) -> Result<NodeCerts, String> {
    let mut last = format!("no manager to ask for a {} certificate", role.ou());
    for addr in addrs {
        match Renewer::Remote(addr.clone()).renew_now(swarm_dir).await {
            Ok(certs) if role_of(&certs) == Some(role) => return Ok(certs),
            Ok(_) => last = format!("the CA at {addr} does not issue the new role yet"),
            Err(e) => last = e.to_string(),
        }
    }
    Err(last)
}

fn with_port(addr: &str) -> String {
    if addr.contains(':') {
        addr.to_string()
    } else {
        format!("{addr}:2377")
    }
}

impl NodeRuntime {
    /// Worker -> manager (see the module doc).
    pub(crate) async fn promote_self(&self) -> Result<(), String> {
        let mut guard = self.active.lock().await;
        let Some(active) = guard.as_mut() else {
            return Ok(());
        };
        let Some(worker) = active.worker.as_ref() else {
            return Ok(());
        };
        let managers = worker.dispatcher.managers();
        let old = active.identity.clone();
        let listen = with_port(if old.listen_addr.is_empty() {
            "0.0.0.0"
        } else {
            &old.listen_addr
        });
        let addr = if !old.addr.is_empty() {
            with_port(&old.addr)
        } else if !listen.starts_with("0.0.0.0") {
            listen.clone()
        } else {
            return Err(
                "this worker joined without --advertise-addr, so the other managers would not know where to reach it: leave and join again with --advertise-addr".into(),
            );
        };
        let swarm_dir = self.swarm_dir();
        certificate_for(&swarm_dir, &managers, Role::Manager).await?;
        let identity = Identity {
            raft_id: raft_id_of(&old.node_id),
            node_id: old.node_id.clone(),
            addr: addr.clone(),
            role: "manager".into(),
            listen_addr: listen,
            manager_addr: String::new(),
        };
        // A raft dir here is from an earlier attempt that failed after the leader took this
        // node in as a learner: keep it. Starting empty under the same raft id would
        // rewind a log the leader has seen, which openraft refuses (the leader panics).
        // Demotion and leave remove it, so nothing older can be left.
        let brain = self.open_raft(&identity).await.map_err(|e| e.to_string())?;
        let (manager, raft) = (brain.manager.clone(), brain.raft.clone());
        let parts = match self.start_manager_parts(&identity, brain).await {
            Ok(p) => p,
            Err(e) => {
                let _ = raft.shutdown().await;
                return Err(e.to_string());
            }
        };
        if let Err(e) = ask_to_be_added(&manager, &managers, identity.raft_id, &addr).await {
            parts.stop().await;
            return Err(e);
        }
        // Serve the API only once the local copy has caught up with the promotion itself
        // (and so with everything committed before it).
        let mut changes = manager.store.subscribe();
        let caught_up = async {
            loop {
                let promoted = manager
                    .read()
                    .nodes
                    .get(&identity.node_id)
                    .is_some_and(|n| n.spec.role == NodeRole::Manager);
                if promoted || changes.changed().await.is_err() {
                    return;
                }
            }
        };
        if tokio::time::timeout(Duration::from_secs(30), caught_up)
            .await
            .is_err()
        {
            tracing::warn!("promotion: the local state has not caught up after 30 s");
        }
        let raw = serde_json::to_vec_pretty(&identity).unwrap_or_default();
        write_atomic(&self.identity_path(), &raw).map_err(|e| e.to_string())?;
        let _ = std::fs::remove_file(swarm_dir.join("managers.json"));
        active.dispatcher.switch(parts.agent_dispatcher());
        if let Some(w) = active.worker.take() {
            w.stop();
        }
        active.manager = Some(parts);
        active.identity = identity.clone();
        self.set_local(LocalState::Active {
            node_id: identity.node_id,
            addr: identity.addr,
            manager,
        });
        tracing::info!("this node is now a manager");
        Ok(())
    }

    /// Manager -> worker (see the module doc).
    pub(crate) async fn demote_self(&self) -> Result<(), String> {
        let mut guard = self.active.lock().await;
        let Some(active) = guard.as_mut() else {
            return Ok(());
        };
        let Some(parts) = active.manager.as_ref() else {
            return Ok(());
        };
        let me = active.identity.raft_id;
        let others: Vec<String> = parts
            .raft
            .members()
            .into_iter()
            .filter(|(id, _)| *id != me)
            .map(|(_, a)| a)
            .collect();
        let swarm_dir = self.swarm_dir();
        certificate_for(&swarm_dir, &others, Role::Worker).await?;
        let old = active.identity.clone();
        let identity = Identity {
            raft_id: 0,
            role: "worker".into(),
            manager_addr: others[0].clone(),
            ..old
        };
        let raw = serde_json::to_vec_pretty(&identity).unwrap_or_default();
        write_atomic(&self.identity_path(), &raw).map_err(|e| e.to_string())?;
        let worker = self
            .start_worker_parts(&identity)
            .map_err(|e| e.to_string())?;
        active.dispatcher.switch(worker.dispatcher.clone());
        active.worker = Some(worker);
        active.identity = identity.clone();
        self.set_local(LocalState::Worker {
            node_id: identity.node_id,
            addr: identity.addr,
        });
        if let Some(parts) = active.manager.take() {
            parts.stop().await;
        }
        let _ = std::fs::remove_dir_all(swarm_dir.join("raft"));
        tracing::info!("this node is now a worker");
        Ok(())
    }
}

/// Asks each manager in turn (only the leader can) to add this node as a raft voter.
async fn ask_to_be_added(
    manager: &Manager,
    managers: &[String],
    raft_id: u64,
    addr: &str,
) -> Result<(), String> {
    let peers: &Arc<Peers> = manager
        .peers
        .as_ref()
        .ok_or_else(|| "no peer channels".to_string())?;
    let mut last = "no manager known".to_string();
    for remote in managers {
        let ch = match peers.channel(remote) {
            Ok(ch) => ch,
            Err(e) => {
                last = e.to_string();
                continue;
            }
        };
        match client::raft(ch)
            .add_manager(pb::AddManagerRequest {
                raft_id,
                addr: addr.to_string(),
            })
            .await
        {
            Ok(_) => return Ok(()),
            Err(s) => last = format!("{remote}: {}", s.message()),
        }
    }
    Err(last)
}
