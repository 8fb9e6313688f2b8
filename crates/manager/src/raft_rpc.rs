//! Raft between managers over the node RPC: the `Raft` gRPC service (peer messages in,
//! answers out; forwarded writes; adding a manager). The sending side is [`crate::peers`].

use crate::manager::Manager;
use crate::peers::Kind;
use shoal_raft::RaftError;
use shoal_rpc::pb;
use std::sync::Arc;
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

pub struct RaftService {
    pub manager: Arc<Manager>,
    /// The raft node itself: peer messages and membership changes go to it directly.
    pub raft: shoal_raft::RaftNode,
}

impl RaftService {
    async fn receive(
        &self,
        kind: Kind,
        req: Request<pb::RaftPayload>,
    ) -> Result<Response<pb::RaftPayload>, Status> {
        let raft = &self.raft;
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
        if !wanted || r.raft_id != crate::raft_ids::raft_id_of(&caller.node_id) {
            return Err(Status::permission_denied(format!(
                "node {} is not a manager of this swarm",
                caller.node_id
            )));
        }
        self.raft
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
