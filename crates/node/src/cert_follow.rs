//! Keeping a node's certificates in line with the swarm's roots (CA rotation): whenever the
//! roots the swarm wants trusted, or the root that signs, differ from what the node holds,
//! it renews at once, starts using the new material (RPC server, peer channels, dispatcher
//! connection) and reports its new `TLSInfo`.

use crate::remote_dispatcher::RemoteDispatcher;
use crate::renewal::Renewer;
use shoal_manager::ca_roots::{signing_root, trust_bundle};
use shoal_manager::ca_rotation::{must_renew, tls_info_of};
use shoal_manager::manager::Manager;
use shoal_manager::pki;
use shoal_rpc::server::TlsHandle;
use shoal_store::Op;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// A failed renewal is retried after this long.
const RETRY: Duration = Duration::from_secs(1);

/// On a manager: follows the replicated state. The certificates are read once and kept in
/// memory; the comparison runs only when the swarm's roots change (not on every write).
pub(crate) async fn follow_local(
    manager: Arc<Manager>,
    swarm_dir: PathBuf,
    tls: Option<TlsHandle>,
    mut stop: watch::Receiver<bool>,
) {
    let mut changes = manager.store.subscribe();
    let mut certs = pki::load(&swarm_dir).ok();
    let mut mine = certs.as_ref().map(tls_info_of);
    let mut followed: Option<(String, String)> = None;
    loop {
        let (roots, stored) = {
            let st = manager.read();
            let signing = signing_root(&st).map(|c| c.cert_pem.clone());
            (
                (trust_bundle(&st), signing.unwrap_or_default()),
                st.nodes
                    .get(&manager.node_id)
                    .map(|n| n.description.tls_info.clone()),
            )
        };
        let mut wait = None;
        if followed.as_ref() != Some(&roots) {
            match &certs {
                Some(c) if must_renew(c, &roots.0, &roots.1) => {
                    match Renewer::Local(manager.clone()).renew_now(&swarm_dir).await {
                        Ok(fresh) => {
                            if let Some(tls) = &tls {
                                if let Err(e) = tls.reload(&shoal_manager::pki::node_tls(&fresh)) {
                                    tracing::warn!("reloading the RPC server's certificate: {e}");
                                }
                            }
                            if let Some(peers) = &manager.peers {
                                peers.use_certs(fresh.clone());
                            }
                            mine = Some(tls_info_of(&fresh));
                            certs = Some(fresh);
                            followed = Some(roots);
                            tracing::info!("certificate renewed to follow the swarm's root CA");
                        }
                        Err(e) => {
                            tracing::warn!("renewing for the root CA rotation: {e}");
                            wait = Some(RETRY);
                        }
                    }
                }
                _ => followed = Some(roots),
            }
        }
        if let (Some(stored), Some(mine)) = (&stored, &mine) {
            if stored != mine && wait.is_none() {
                let op = Op::SetNodeTlsInfo {
                    id: manager.node_id.clone(),
                    tls_info: mine.clone(),
                };
                if manager.propose(vec![op]).await.is_err() {
                    wait = Some(RETRY);
                }
            }
        }
        let timer = sleep_or_wait_forever(wait);
        tokio::select! {
            changed = changes.changed() => if changed.is_err() { return },
            _ = timer => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}

/// On a worker: follows what its sessions say.
pub(crate) async fn follow_remote(
    dispatcher: Arc<RemoteDispatcher>,
    swarm_dir: PathBuf,
    mut stop: watch::Receiver<bool>,
) {
    let mut roots = dispatcher.roots();
    loop {
        let (bundle, signing) = roots.borrow_and_update().clone();
        let mut wait = None;
        if let Ok(certs) = pki::load(&swarm_dir) {
            if must_renew(&certs, &bundle, &signing) {
                let manager = dispatcher.managers().first().cloned().unwrap_or_default();
                match Renewer::Remote(manager).renew_now(&swarm_dir).await {
                    Ok(fresh) => {
                        // A new session re-registers the node with its new TLSInfo.
                        dispatcher.use_certs(fresh);
                        tracing::info!("certificate renewed to follow the swarm's root CA");
                    }
                    Err(e) => {
                        tracing::warn!("renewing for the root CA rotation: {e}");
                        wait = Some(RETRY);
                    }
                }
            }
        }
        let timer = sleep_or_wait_forever(wait);
        tokio::select! {
            changed = roots.changed() => if changed.is_err() { return },
            _ = timer => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
    }
}

/// Sleeps for `wait`, or never returns when there is nothing to retry.
async fn sleep_or_wait_forever(wait: Option<std::time::Duration>) {
    match wait {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}
