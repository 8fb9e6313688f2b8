//! Raft between managers over the node RPC: the `Raft` gRPC service (peer messages in,
//! answers out; forwarded writes; adding a manager) and the transport that sends this
//! node's raft messages to its peers.

use crate::manager::Manager;
use crate::pki::NodeCerts;
use shoal_raft::{RaftError, RaftTransport, TransportError};
use shoal_rpc::{client, pb, tls};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tonic::transport::Channel;
use tonic::{Request, Response, Status};

fn status_of(e: RaftError) -> Status {
    match e {
        RaftError::NotLeader { .. } | RaftError::NoLeader | RaftError::Shutdown => {
            Status::unavailable(e.to_string())
        }
        RaftError::Payload(m) => Status::invalid_argument(m),
        other => Status::internal(other.to_string()),
    }
}

/// Channels to peer managers, one per address, presenting this node's certificate.
pub struct Peers {
    certs: Mutex<NodeCerts>,
    channels: Mutex<HashMap<String, Channel>>,
}

impl Peers {
    pub fn new(certs: NodeCerts) -> Peers {
        Peers {
            certs: Mutex::new(certs),
            channels: Mutex::new(HashMap::new()),
        }
    }

    /// New certificates (renewal, CA rotation): channels opened from now on present them.
    pub fn use_certs(&self, certs: NodeCerts) {
        *self.certs.lock().unwrap_or_else(|p| p.into_inner()) = certs;
        self.channels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    pub fn channel(&self, addr: &str) -> Result<Channel, String> {
        let mut map = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(ch) = map.get(addr) {
            return Ok(ch.clone());
        }
        let certs = self.certs.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let cfg =
            tls::client_config(&crate::node_rpc::node_tls(&certs)).map_err(|e| e.to_string())?;
        let ch = client::connect_lazy(addr, cfg).map_err(|e| e.to_string())?;
        map.insert(addr.to_string(), ch.clone());
        Ok(ch)
    }
}

/// Which raft message a payload is.
#[derive(Clone, Copy)]
enum Kind {
    Append,
    Vote,
    Snapshot,
}

impl Peers {
    async fn send(&self, kind: Kind, addr: &str, data: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        let mut c = client::raft(self.channel(addr).map_err(TransportError)?);
        let msg = pb::RaftPayload { data };
        let answer = match kind {
            Kind::Append => c.append_entries(msg).await,
            Kind::Vote => c.vote(msg).await,
            Kind::Snapshot => c.install_snapshot(msg).await,
        };
        answer
            .map(|r| r.into_inner().data)
            .map_err(|s| TransportError(s.message().to_string()))
    }
}

#[async_trait::async_trait]
impl RaftTransport for Peers {
    async fn append_entries(
        &self,
        _t: u64,
        addr: &str,
        p: Vec<u8>,
    ) -> Result<Vec<u8>, TransportError> {
        self.send(Kind::Append, addr, p).await
    }

    async fn vote(&self, _t: u64, addr: &str, p: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        self.send(Kind::Vote, addr, p).await
    }

    async fn install_snapshot(
        &self,
        _t: u64,
        addr: &str,
        p: Vec<u8>,
    ) -> Result<Vec<u8>, TransportError> {
        self.send(Kind::Snapshot, addr, p).await
    }
}

pub struct RaftService {
    pub manager: Arc<Manager>,
}

impl RaftService {
    async fn receive(
        &self,
        kind: Kind,
        req: Request<pb::RaftPayload>,
    ) -> Result<Response<pb::RaftPayload>, Status> {
        let raft = &self.manager.raft;
        let payload = req.into_inner().data;
        let answer = match kind {
            Kind::Append => raft.handle_append_entries(&payload).await,
            Kind::Vote => raft.handle_vote(&payload).await,
            Kind::Snapshot => raft.handle_install_snapshot(&payload).await,
        };
        Ok(Response::new(pb::RaftPayload {
            data: answer.map_err(status_of)?,
        }))
    }
}

#[tonic::async_trait]
impl pb::raft_server::Raft for RaftService {
    type SubscribeLogsStream = crate::log_rpc::PublishStream;

    /// Another manager serves `service logs`: the nodes connected here get the subscription.
    async fn subscribe_logs(
        &self,
        req: Request<pb::SubscribeLogsRequest>,
    ) -> Result<Response<Self::SubscribeLogsStream>, Status> {
        let sub: shoal_api::logs::LogSubscription =
            serde_json::from_slice(&req.get_ref().subscription_json)
                .map_err(|e| Status::invalid_argument(format!("log subscription: {e}")))?;
        let sub = self.manager.logs.subscribe(sub);
        Ok(Response::new(crate::log_rpc::relay_stream(sub)))
    }

    async fn append_entries(
        &self,
        req: Request<pb::RaftPayload>,
    ) -> Result<Response<pb::RaftPayload>, Status> {
        self.receive(Kind::Append, req).await
    }

    async fn vote(
        &self,
        req: Request<pb::RaftPayload>,
    ) -> Result<Response<pb::RaftPayload>, Status> {
        self.receive(Kind::Vote, req).await
    }

    async fn install_snapshot(
        &self,
        req: Request<pb::RaftPayload>,
    ) -> Result<Response<pb::RaftPayload>, Status> {
        self.receive(Kind::Snapshot, req).await
    }

    async fn propose(
        &self,
        req: Request<pb::ProposeRequest>,
    ) -> Result<Response<pb::ProposeResponse>, Status> {
        let response = self
            .manager
            .raft
            .propose(req.into_inner().command)
            .await
            .map_err(status_of)?;
        Ok(Response::new(pb::ProposeResponse { response }))
    }

    async fn add_manager(
        &self,
        req: Request<pb::AddManagerRequest>,
    ) -> Result<Response<pb::Empty>, Status> {
        let caller = shoal_rpc::auth::caller(&req)
            .ok_or_else(|| Status::unauthenticated("a manager certificate is required"))?;
        let r = req.into_inner();
        // Only a node the swarm wants as a manager, under its own raft id.
        let wanted = self
            .manager
            .read()
            .nodes
            .get(&caller.node_id)
            .is_some_and(|n| n.spec.role == shoal_api::NodeRole::Manager);
        if !wanted || r.raft_id != crate::runtime::raft_id_of(&caller.node_id) {
            return Err(Status::permission_denied(format!(
                "node {} is not a manager of this swarm",
                caller.node_id
            )));
        }
        self.manager
            .raft
            .add_voter(r.raft_id, r.addr.clone())
            .await
            .map_err(status_of)?;
        // Record where the new manager listens, for `node ls` (a narrow write: the node's
        // agent may be registering at the same moment).
        self.manager
            .propose(vec![shoal_store::Op::SetManagerStatus {
                id: caller.node_id.clone(),
                status: shoal_api::ManagerStatus {
                    leader: false,
                    reachability: "reachable".into(),
                    addr: r.addr,
                },
            }])
            .await
            .map_err(|e| Status::unavailable(e.to_string()))?;
        Ok(Response::new(pb::Empty {}))
    }
}
