//! Who is calling, and may they: authorisation from the verified peer certificate.
//!
//! The server reads the client's certificate once per connection, right after the TLS
//! handshake (rustls has already checked it chains to the cluster root), and tonic attaches
//! the result, a [`Peer`], to every request on that connection. [`crate::server::RpcServer`]
//! enforces each service's [`crate::server::Access`] with it; service implementations use
//! [`caller`] to learn who is calling and [`require`] for checks of their own.
//!
//! Identity never comes from message fields: a `node_id` in a request is only a claim, to
//! be compared with [`Caller::node_id`].

mod peer;

use shoal_ca::Role;
use tonic::{Request, Status};

pub use peer::Peer;

/// Who is calling, from the verified peer certificate (None = no client certificate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The caller's node id (certificate CN).
    pub node_id: String,
    /// Manager or worker (certificate OU).
    pub role: Role,
    /// The caller's cluster (certificate O).
    pub cluster_id: String,
}

/// The connection information of a request served by [`crate::server::RpcServer`]; `None`
/// for a request that did not come through it (e.g. a service called in-process).
pub fn peer<T>(req: &Request<T>) -> Option<&Peer> {
    req.extensions().get::<Peer>()
}

/// Who sent `req`: `None` when the client presented no certificate (a joining node), or one
/// that is not a shoal node certificate, or the request did not come through
/// [`crate::server::RpcServer`].
pub fn caller<T>(req: &Request<T>) -> Option<Caller> {
    peer(req).and_then(Peer::caller).cloned()
}

/// The caller, if its certificate is from `expected_cluster_id` and has one of `roles`;
/// otherwise the status to answer with: `Unauthenticated` without a (usable) certificate,
/// `PermissionDenied` for the wrong role or cluster. Messages say what was needed and what the
/// caller is.
pub fn require<T>(
    req: &Request<T>,
    roles: &[Role],
    expected_cluster_id: &str,
) -> Result<Caller, Status> {
    authorise(peer(req), roles, expected_cluster_id, "this RPC")
}

/// [`require`] on the connection information itself; `rpc` names the call in messages.
pub(crate) fn authorise(
    peer: Option<&Peer>,
    roles: &[Role],
    expected_cluster_id: &str,
    rpc: &str,
) -> Result<Caller, Status> {
    let needed = roles_text(roles);
    let Some(peer) = peer else {
        return Err(Status::unauthenticated(format!(
            "{rpc} needs a {needed} certificate, and this request carries no TLS peer \
             information (it was not received by shoal_rpc::server)"
        )));
    };
    let caller = match peer.identity() {
        Ok(Some(caller)) => caller,
        Ok(None) => {
            return Err(Status::unauthenticated(format!(
                "{rpc} needs a {needed} certificate; the client presented none (a node gets \
                 one by joining the swarm)"
            )))
        }
        Err(reason) => {
            return Err(Status::unauthenticated(format!(
                "{rpc} needs a {needed} certificate; the client's certificate is not a shoal \
                 node certificate: {reason}"
            )))
        }
    };
    if caller.cluster_id != expected_cluster_id {
        return Err(Status::permission_denied(format!(
            "client certificate from another cluster: caller {} belongs to cluster {}, this \
             is cluster {expected_cluster_id}",
            caller.node_id, caller.cluster_id
        )));
    }
    if !roles.contains(&caller.role) {
        return Err(Status::permission_denied(format!(
            "{rpc} needs a {needed} certificate; caller {} is a {}",
            caller.node_id, caller.role
        )));
    }
    Ok(caller.clone())
}

/// "shoal-manager", "shoal-manager or shoal-worker".
fn roles_text(roles: &[Role]) -> String {
    if roles.is_empty() {
        return "(no role may call it)".into();
    }
    roles
        .iter()
        .map(|r| r.ou())
        .collect::<Vec<_>>()
        .join(" or ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer_of(role: Role, cluster: &str) -> Peer {
        Peer::with_caller(
            None,
            Caller {
                node_id: "node1".into(),
                role,
                cluster_id: cluster.into(),
            },
        )
    }

    #[test]
    fn roles_and_clusters() {
        let worker = peer_of(Role::Worker, "c1");
        let ok = authorise(Some(&worker), &[Role::Manager, Role::Worker], "c1", "x").unwrap();
        assert_eq!(ok.node_id, "node1");

        let err = authorise(Some(&worker), &[Role::Manager], "c1", "this RPC").unwrap_err();
        assert_eq!(err.code(), tonic::Code::PermissionDenied);
        assert_eq!(
            err.message(),
            "this RPC needs a shoal-manager certificate; caller node1 is a shoal-worker"
        );

        let err = authorise(Some(&worker), &[Role::Worker], "c2", "x").unwrap_err();
        assert_eq!(err.code(), tonic::Code::PermissionDenied);
        assert!(err
            .message()
            .starts_with("client certificate from another cluster"));
    }

    #[test]
    fn anonymous_and_unknown() {
        let anonymous = Peer::anonymous(None);
        let err = authorise(Some(&anonymous), &[Role::Worker], "c1", "x").unwrap_err();
        assert_eq!(err.code(), tonic::Code::Unauthenticated);
        assert!(
            err.message().contains("presented none"),
            "{}",
            err.message()
        );

        let err = authorise(None, &[Role::Worker], "c1", "x").unwrap_err();
        assert_eq!(err.code(), tonic::Code::Unauthenticated);
    }
}
