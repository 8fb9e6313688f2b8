//! Wiring the node-to-node RPC: a manager serves the CA and the dispatcher on its listen
//! address; a worker's agent reaches its manager's dispatcher through `RemoteDispatcher`.

use shoal_manager::dispatcher::Dispatcher;
use shoal_manager::error::ManagerError;
use shoal_manager::manager::Manager;
use shoal_manager::pki::node_tls;
use shoal_manager::pki::{self, NodeCerts};
use shoal_manager::rpc_services::{CaService, DispatcherService};
use shoal_rpc::{server::RpcServer, tls};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use tokio::sync::watch;

fn rpc_err(e: impl std::fmt::Display) -> ManagerError {
    ManagerError::Decode(format!("node RPC: {e}"))
}

/// Binds the listen address and serves until the returned sender says stop. When the
/// default address (`0.0.0.0:2377`) is busy the node stays usable alone and says so: other
/// nodes cannot join it until it listens.
pub async fn start_server(
    swarm_dir: &Path,
    listen: &str,
    manager: Arc<Manager>,
    raft: shoal_raft::RaftNode,
    dispatcher: Arc<Dispatcher>,
) -> Result<Option<(watch::Sender<bool>, shoal_rpc::server::TlsHandle)>, ManagerError> {
    let certs = pki::load(swarm_dir)?;
    let addr: SocketAddr = listen
        .parse()
        .map_err(|e| rpc_err(format!("listen address {listen:?}: {e}")))?;
    let listener = match shoal_rpc::server::bind(addr).await {
        Ok(l) => l,
        Err(e) if listen == "0.0.0.0:2377" => {
            tracing::warn!(
                "cannot listen on {listen} for other nodes ({e}); this node works alone until restarted with the port free, or use `swarm init --listen-addr`"
            );
            return Ok(None);
        }
        Err(e) => return Err(rpc_err(e)),
    };
    let server = RpcServer::new(&node_tls(&certs))
        .map_err(rpc_err)?
        .ca(CaService {
            manager: manager.clone(),
        })
        .dispatcher(DispatcherService { dispatcher })
        .raft(shoal_manager::raft_rpc::RaftService {
            manager: manager.clone(),
            raft,
        });
    let tls = server.tls_handle();
    let (stop_tx, mut stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        let shutdown = async move {
            let _ = stop_rx.wait_for(|s| *s).await;
        };
        if let Err(e) = server.serve_on(listener, shutdown).await {
            tracing::warn!("node RPC server stopped: {e}");
        }
    });
    tracing::info!("node RPC (mutual TLS) listening on {listen}");
    Ok(Some((stop_tx, tls)))
}

/// A channel to the manager at `addr`, presenting this node's certificate.
pub fn channel(addr: &str, certs: &NodeCerts) -> Result<tonic::transport::Channel, ManagerError> {
    let cfg = tls::client_config(&node_tls(certs)).map_err(rpc_err)?;
    shoal_rpc::client::connect_lazy(addr, cfg).map_err(rpc_err)
}
