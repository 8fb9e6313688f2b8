//! Per-service authorisation: a tower layer around each generated service that refuses calls
//! whose peer certificate does not have an allowed role (before the service sees them).
//!
//! This is the coarse, can't-forget check; a service implementation adds finer ones (e.g.
//! "the node id in the request is the caller's") with [`crate::auth::require`] or
//! [`crate::auth::caller`].

use std::convert::Infallible;
use std::future::{ready, Future};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use shoal_ca::Role;
use tonic::body::Body;
use tonic::codegen::http;
use tonic::server::NamedService;
use tower::Service;

use crate::auth::{authorise, Peer};

/// Who may call a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone who completes the TLS handshake, with or without a client certificate (a client
    /// certificate, when sent, has been verified against the root all the same).
    Anyone,
    /// Only clients with a certificate of this cluster and one of these roles.
    Roles(&'static [Role]),
}

impl Access {
    /// Managers only (Raft).
    pub const MANAGERS: Access = Access::Roles(&[Role::Manager]);
    /// Any node of the cluster, manager or worker (Dispatcher).
    pub const NODES: Access = Access::Roles(&[Role::Manager, Role::Worker]);
}

/// A generated service wrapped with its [`Access`].
#[derive(Debug, Clone)]
pub(crate) struct Guarded<S> {
    inner: S,
    access: Access,
    cluster_id: Arc<str>,
}

impl<S> Guarded<S> {
    pub(crate) fn new(inner: S, access: Access, cluster_id: Arc<str>) -> Guarded<S> {
        Guarded {
            inner,
            access,
            cluster_id,
        }
    }
}

impl<S: NamedService> NamedService for Guarded<S> {
    const NAME: &'static str = S::NAME;
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S> Service<http::Request<Body>> for Guarded<S>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Result<http::Response<Body>, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<Body>) -> Self::Future {
        if let Access::Roles(roles) = self.access {
            // The path is "/shoal.v1.Raft/Propose": name the call without the leading slash.
            let rpc = req.uri().path().trim_start_matches('/');
            let peer = req.extensions().get::<Peer>();
            if let Err(status) = authorise(peer, roles, &self.cluster_id, rpc) {
                return Box::pin(ready(Ok(status.into_http())));
            }
        }
        Box::pin(self.inner.call(req))
    }
}
