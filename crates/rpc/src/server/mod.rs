//! Serving RPCs: [`RpcServer`] collects the services a node has, each with its [`Access`], and
//! serves them over mutual TLS.
//!
//! ```no_run
//! # async fn example(tls: shoal_rpc::NodeTls, ca: impl shoal_rpc::pb::ca_server::Ca,
//! #     dispatcher: impl shoal_rpc::pb::dispatcher_server::Dispatcher,
//! #     raft: impl shoal_rpc::pb::raft_server::Raft,
//! #     stop: tokio::sync::oneshot::Receiver<()>) -> Result<(), shoal_rpc::RpcError> {
//! use shoal_rpc::server::RpcServer;
//! RpcServer::new(&tls)?
//!     .ca(ca) // anyone
//!     .dispatcher(dispatcher) // managers and workers of this cluster
//!     .raft(raft) // managers of this cluster
//!     .serve("0.0.0.0:2377".parse().unwrap(), async { stop.await.ok(); })
//!     .await
//! # }
//! ```
//!
//! TLS is done by our own accept loop (`accept.rs`) rather than tonic's, and connections are
//! handed to tonic with `serve_with_incoming_shutdown`. Shutdown: when the `shutdown` future
//! completes, the listening socket closes, connections are asked to finish (HTTP/2 GOAWAY:
//! running calls continue, new ones are refused), and after [`settings::DRAIN_TIMEOUT`] (see
//! [`RpcServer::drain_timeout`]) the remaining connections are cut, so a `Session` stream
//! cannot hold the server open.

mod accept;
mod access;
mod conn;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::ServerConfig;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::body::Body;
use tonic::codegen::http;
use tonic::server::NamedService;
use tonic::service::RoutesBuilder;
use tower::Service;

use crate::error::chain;
use crate::pb::ca_server::{Ca, CaServer};
use crate::pb::dispatcher_server::{Dispatcher, DispatcherServer};
use crate::pb::raft_server::{Raft, RaftServer};
use crate::settings::{self, MAX_MESSAGE_SIZE};
use crate::{tls, NodeTls, RpcError};

pub use access::Access;
use access::Guarded;

/// The RPC server of a node, under construction: add services, then [`RpcServer::serve`].
#[derive(Debug)]
pub struct RpcServer {
    config: TlsHandle,
    cluster_id: Arc<str>,
    routes: RoutesBuilder,
    drain_timeout: Duration,
}

impl RpcServer {
    /// A server presenting the node's certificate ([`tls::server_config`]); only callers with
    /// a certificate from the node's own cluster (read from its certificate) pass the
    /// [`Access::Roles`] checks.
    pub fn new(tls: &NodeTls) -> Result<RpcServer, RpcError> {
        let cluster_id = tls.identity()?.cluster_id;
        Ok(RpcServer::with_config(
            tls::server_config(tls)?,
            &cluster_id,
        ))
    }

    /// A server with a ready-made rustls configuration, for callers that need to tune it. It
    /// must offer ALPN `h2`; client certificates it accepts are checked against `cluster_id`.
    pub fn with_config(config: ServerConfig, cluster_id: &str) -> RpcServer {
        RpcServer {
            config: TlsHandle(Arc::new(std::sync::RwLock::new(Arc::new(config)))),
            cluster_id: cluster_id.into(),
            routes: RoutesBuilder::default(),
            drain_timeout: settings::DRAIN_TIMEOUT,
        }
    }

    /// A handle to replace the server's TLS material while it serves.
    pub fn tls_handle(&self) -> TlsHandle {
        self.config.clone()
    }

    /// Serves the CA ([`Access::Anyone`]: joining nodes have no certificate yet).
    pub fn ca(self, svc: impl Ca) -> RpcServer {
        let svc = CaServer::new(svc)
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE);
        self.service(svc, Access::Anyone)
    }

    /// Serves the dispatcher ([`Access::NODES`]).
    pub fn dispatcher(self, svc: impl Dispatcher) -> RpcServer {
        let svc = DispatcherServer::new(svc)
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE);
        self.service(svc, Access::NODES)
    }

    /// Serves raft ([`Access::MANAGERS`]).
    pub fn raft(self, svc: impl Raft) -> RpcServer {
        let svc = RaftServer::new(svc)
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE);
        self.service(svc, Access::MANAGERS)
    }

    /// Serves any generated tonic service (`FooServer::new(impl)`) with the given access.
    pub fn service<S>(mut self, svc: S, access: Access) -> RpcServer
    where
        S: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>
            + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        self.routes
            .add_service(Guarded::new(svc, access, self.cluster_id.clone()));
        self
    }

    /// How long running calls may continue after shutdown starts before their connections
    /// are cut (default [`settings::DRAIN_TIMEOUT`]).
    pub fn drain_timeout(mut self, timeout: Duration) -> RpcServer {
        self.drain_timeout = timeout;
        self
    }

    /// Listens on `addr` and serves until `shutdown` completes (then drains, see the module
    /// docs).
    pub async fn serve(
        self,
        addr: SocketAddr,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), RpcError> {
        self.serve_on(bind(addr).await?, shutdown).await
    }

    /// Serves on an already bound listener (see [`bind`]; e.g. port 0 in tests, or to report a
    /// busy port before starting anything else) until `shutdown` completes.
    pub async fn serve_on(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), RpcError> {
        let addr = listener
            .local_addr()
            .map_or_else(|_| "?".to_owned(), |a| a.to_string());
        let kill = CancellationToken::new();
        let stopping = CancellationToken::new();
        let (accept_task, incoming) = accept::spawn(listener, self.config, kill.clone());

        let signal = {
            let stopping = stopping.clone();
            async move {
                shutdown.await;
                stopping.cancel();
            }
        };
        let server = tonic::transport::Server::builder()
            .http2_keepalive_interval(Some(settings::KEEPALIVE_INTERVAL))
            .http2_keepalive_timeout(Some(settings::KEEPALIVE_TIMEOUT))
            .add_routes(self.routes.routes())
            .serve_with_incoming_shutdown(incoming, signal);
        tokio::pin!(server);

        let drain_timeout = self.drain_timeout;
        let result = tokio::select! {
            result = &mut server => result,
            _ = async { stopping.cancelled().await; tokio::time::sleep(drain_timeout).await } => {
                tracing::debug!(%addr, "RPC server: drain timeout, closing remaining connections");
                kill.cancel();
                server.await
            }
        };
        kill.cancel();
        accept_task.abort();
        result.map_err(|e| RpcError::Serve {
            addr,
            reason: chain(&e),
        })
    }
}

/// The server's TLS configuration, replaceable at run time: a renewed certificate or a new
/// trust bundle (CA rotation) applies to new connections without restarting the server.
#[derive(Debug, Clone)]
pub struct TlsHandle(Arc<std::sync::RwLock<Arc<ServerConfig>>>);

impl TlsHandle {
    /// Uses `tls` for every connection accepted from now on.
    pub fn reload(&self, tls: &NodeTls) -> Result<(), RpcError> {
        let config = Arc::new(tls::server_config(tls)?);
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = config;
        Ok(())
    }

    pub(crate) fn current(&self) -> Arc<ServerConfig> {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// Opens the listening socket for [`RpcServer::serve_on`].
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, RpcError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| RpcError::Bind { addr, source })
}
