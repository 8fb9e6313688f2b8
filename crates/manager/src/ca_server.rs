//! The CA's join decision: a node presenting a join token and a CSR gets a certificate for
//! the role its token grants, and a node record. Transport-free; the RPC layer calls it.

use crate::ca_roots::root_of;
use crate::control::ControlError;
use crate::ids::new_id;
use crate::manager::Manager;
use shoal_api::{Availability, Node, NodeRole, NodeSpec, NodeState, NodeStatus};
use shoal_ca::token::{secrets_match, JoinToken};
use shoal_ca::{Role, DEFAULT_NODE_CERT_VALIDITY};
use shoal_store::Op;
use std::time::Duration;
use std::time::SystemTime;

/// Docker's words for any token problem (it does not say which part was wrong).
pub const INVALID_TOKEN: &str =
    "rpc error: code = InvalidArgument desc = A valid join token is necessary to join this cluster";

#[derive(Debug, Clone)]
pub struct Joined {
    pub node_id: String,
    pub role: Role,
    pub cert_pem: String,
    pub root_cert_pem: String,
}

/// Checks the token against the cluster's current tokens, issues the certificate, and
/// records the new node (down until its agent opens a session).
pub async fn join(
    m: &Manager,
    token: &str,
    csr_pem: &str,
    availability: Option<Availability>,
) -> Result<Joined, ControlError> {
    let presented =
        JoinToken::parse(token).map_err(|_| ControlError::InvalidArgument(INVALID_TOKEN.into()))?;
    let (cluster, ca, bundle) = {
        let st = m.read();
        (
            st.cluster.clone(),
            crate::ca_roots::signing_root(&st).cloned(),
            crate::ca_roots::trust_bundle(&st),
        )
    };
    let cluster = cluster
        .ok_or_else(|| ControlError::Unavailable("This node is not part of a swarm".into()))?;
    let ca = ca.ok_or_else(|| ControlError::Internal("the cluster has no root CA".into()))?;
    let secret_of = |t: &str| JoinToken::parse(t).map(|t| (t.digest, t.secret));
    let mut role = None;
    for (r, current) in [
        (Role::Worker, &cluster.join_tokens.worker),
        (Role::Manager, &cluster.join_tokens.manager),
    ] {
        if let Ok((digest, secret)) = secret_of(current) {
            if digest == presented.digest && secrets_match(&secret, &presented.secret) {
                role = Some(r);
            }
        }
    }
    let role = role.ok_or_else(|| ControlError::InvalidArgument(INVALID_TOKEN.into()))?;
    let root = root_of(&ca)?;
    let node_id = new_id();
    let cert_pem = root
        .issue(
            csr_pem,
            &node_id,
            role,
            &cluster.id,
            &[],
            SystemTime::now(),
            cert_validity(&cluster),
        )
        .map_err(|e| ControlError::InvalidArgument(format!("cannot issue a certificate: {e}")))?;
    let node = Node {
        id: node_id.clone(),
        spec: NodeSpec {
            role: match role {
                Role::Manager => NodeRole::Manager,
                Role::Worker => NodeRole::Worker,
            },
            availability: availability.unwrap_or_default(),
            ..Default::default()
        },
        status: NodeStatus {
            state: NodeState::Unknown,
            ..Default::default()
        },
        ..Default::default()
    };
    crate::control::single(m.propose(vec![Op::PutNode(Box::new(node))]).await?)?;
    Ok(Joined {
        node_id,
        role,
        cert_pem,
        root_cert_pem: bundle,
    })
}

/// `swarm update --cert-expiry`: the validity of the certificates the CA issues.
pub fn cert_validity(cluster: &shoal_api::Cluster) -> Duration {
    match cluster.spec.ca_config.node_cert_expiry {
        n if n > 0 => Duration::from_nanos(n as u64),
        _ => DEFAULT_NODE_CERT_VALIDITY,
    }
}

/// Renewal: a node presenting its (still valid) certificate gets a fresh one for a new key,
/// with the same id and the role the swarm wants it in (that is how a promoted or demoted
/// node gets its new role). A node no longer in the swarm gets nothing.
pub async fn renew(m: &Manager, node_id: &str, csr_pem: &str) -> Result<Renewed, ControlError> {
    let (cluster, ca, role, bundle) = {
        let st = m.read();
        (
            st.cluster.clone(),
            crate::ca_roots::signing_root(&st).cloned(),
            st.nodes.get(node_id).map(|n| n.spec.role),
            crate::ca_roots::trust_bundle(&st),
        )
    };
    let Some(role) = role else {
        return Err(ControlError::NotFound(format!(
            "node {node_id} is not part of this swarm: it cannot renew its certificate"
        )));
    };
    let role = match role {
        shoal_api::NodeRole::Manager => Role::Manager,
        shoal_api::NodeRole::Worker => Role::Worker,
    };
    let cluster = cluster
        .ok_or_else(|| ControlError::Unavailable("This node is not part of a swarm".into()))?;
    let ca = ca.ok_or_else(|| ControlError::Internal("the cluster has no root CA".into()))?;
    let cert_pem = root_of(&ca)?
        .issue(
            csr_pem,
            node_id,
            role,
            &cluster.id,
            &[],
            SystemTime::now(),
            cert_validity(&cluster),
        )
        .map_err(|e| ControlError::InvalidArgument(format!("cannot issue a certificate: {e}")))?;
    Ok(Renewed {
        cert_pem,
        trust_bundle_pem: bundle,
    })
}

/// A renewed certificate and the roots to trust with it.
#[derive(Debug, Clone)]
pub struct Renewed {
    pub cert_pem: String,
    pub trust_bundle_pem: String,
}
