//! `swarm join`: fetch the cluster's root CA (checked against the token's digest), get a
//! certificate for a fresh key with the token, and start as the role the token grants.
//!
//! Workers only for now: joining as a manager needs raft membership changes (next step of
//! the cluster work) and is refused with a clear message, changing nothing.

use crate::runtime::{Identity, LocalState, NodeRuntime, ALREADY_IN_SWARM};
use shoal_api::Availability;
use shoal_ca::token::JoinToken;
use shoal_ca::{NodeKey, Role};
use shoal_manager::control::ControlError;
use shoal_manager::fs::write_atomic;
use shoal_manager::pki::{self, NodeCerts};
use shoal_rpc::{client, pb, tls};
use std::time::SystemTime;

#[derive(Debug, Clone, Default)]
pub struct JoinRequest {
    pub listen_addr: String,
    pub advertise_addr: String,
    pub remote_addrs: Vec<String>,
    pub join_token: String,
    pub availability: Option<Availability>,
}

fn invalid(msg: impl std::fmt::Display) -> ControlError {
    ControlError::InvalidArgument(msg.to_string())
}

fn with_port(addr: &str) -> String {
    if addr.contains(':') {
        addr.to_string()
    } else {
        format!("{addr}:2377")
    }
}

impl NodeRuntime {
    pub async fn join(&self, req: JoinRequest) -> Result<(), ControlError> {
        if !matches!(self.local(), LocalState::Inactive) {
            return Err(ControlError::Unavailable(ALREADY_IN_SWARM.into()));
        }
        let token = JoinToken::parse(&req.join_token).map_err(invalid)?;
        let remote = req
            .remote_addrs
            .first()
            .map(|a| with_port(a))
            .ok_or_else(|| invalid("give the address of a manager to join"))?;

        let root_pem = shoal_rpc::join::fetch_root_ca(&remote, &token)
            .await
            .map_err(invalid)?;
        let key = NodeKey::generate().map_err(invalid)?;
        let csr = key.csr_pem("").map_err(invalid)?;
        let channel = client::connect(
            &remote,
            tls::join_client_config(&root_pem).map_err(invalid)?,
        )
        .await
        .map_err(invalid)?;
        let availability = match req.availability {
            None => String::new(),
            Some(a) => serde_json::to_value(a)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        };
        let answer = client::ca(channel)
            .issue_node_certificate(pb::IssueNodeCertificateRequest {
                csr_pem: csr,
                token: req.join_token.clone(),
                node_id_hint: String::new(),
                availability,
            })
            .await
            .map_err(|s| invalid(s.message()))?
            .into_inner();
        let root_der = shoal_ca::cert_der_from_pem(&root_pem).map_err(invalid)?;
        let cert_der = shoal_ca::cert_der_from_pem(&answer.cert_pem).map_err(invalid)?;
        let id =
            shoal_ca::verify_issued(&root_der, &cert_der, SystemTime::now()).map_err(invalid)?;
        key.check_cert(&cert_der).map_err(invalid)?;
        let dir = self.swarm_dir();
        std::fs::create_dir_all(&dir)
            .map_err(|e| ControlError::Internal(format!("creating {}: {e}", dir.display())))?;
        pki::save(
            &dir,
            &NodeCerts {
                key_pem: key.key_pem().to_string(),
                cert_pem: answer.cert_pem,
                root_cert_pem: root_pem,
            },
        )?;
        let addr = if req.advertise_addr.is_empty() {
            req.listen_addr.clone()
        } else {
            req.advertise_addr.clone()
        };
        if id.role == Role::Manager {
            return self
                .join_as_manager(answer.node_id, addr, req.listen_addr, remote)
                .await;
        }
        let identity = Identity {
            node_id: answer.node_id,
            raft_id: 0,
            addr,
            role: "worker".into(),
            listen_addr: req.listen_addr,
            manager_addr: remote,
        };
        let raw = serde_json::to_vec_pretty(&identity).unwrap_or_default();
        write_atomic(&self.identity_path(), &raw)
            .map_err(|e| ControlError::Internal(format!("writing the node identity: {e}")))?;
        self.activate_worker(identity).await?;
        Ok(())
    }

    /// A manager: open raft (empty, not bootstrapped), serve the node RPC so the leader can
    /// reach it, then ask the leader to add it as a voter.
    async fn join_as_manager(
        &self,
        node_id: String,
        addr: String,
        listen: String,
        remote: String,
    ) -> Result<(), ControlError> {
        let listen = with_port(if listen.is_empty() {
            "0.0.0.0"
        } else {
            &listen
        });
        let addr = with_port(if addr.is_empty() { &listen } else { &addr });
        if addr.starts_with("0.0.0.0") {
            return Err(invalid(
                "a manager needs an address the others can reach: give --advertise-addr",
            ));
        }
        let identity = Identity {
            raft_id: shoal_manager::raft_ids::raft_id_of(&node_id),
            node_id,
            addr: addr.clone(),
            role: "manager".into(),
            listen_addr: listen,
            manager_addr: String::new(),
        };
        let brain = self.open_raft(&identity).await?;
        let manager = brain.manager.clone();
        let raft_id = identity.raft_id;
        let raw = serde_json::to_vec_pretty(&identity).unwrap_or_default();
        write_atomic(&self.identity_path(), &raw)
            .map_err(|e| ControlError::Internal(format!("writing the node identity: {e}")))?;
        self.activate(identity, brain).await?;
        let peers = manager
            .peers
            .clone()
            .ok_or_else(|| ControlError::Internal("no peer channels".into()))?;
        let ch = peers.channel(&remote).map_err(invalid)?;
        client::raft(ch)
            .add_manager(pb::AddManagerRequest { raft_id, addr })
            .await
            .map_err(|s| ControlError::Unavailable(s.message().to_string()))?;
        Ok(())
    }
}
