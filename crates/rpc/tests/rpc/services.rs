//! Minimal implementations of the three services, reporting what they see as [`Event`]s.

use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use shoal_ca::{JoinToken, Role, RootCa};
use shoal_rpc::pb::ca_server::Ca;
use shoal_rpc::pb::dispatcher_server::Dispatcher;
use shoal_rpc::pb::raft_server::Raft;
use shoal_rpc::pb::*;
use shoal_rpc::{auth, json, Caller};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::Stream;
use tonic::{Request, Response, Status};

use super::pki::CLUSTER;

pub const HEARTBEAT_PERIOD: Duration = Duration::from_secs(5);
pub const JOINED_ID: &str = "joined00000000000000000001";

/// What the services observed.
#[derive(Debug, PartialEq)]
pub enum Event {
    Heartbeat(Caller),
    /// A Session stream's client went away.
    SessionClosed(String),
}

pub type Events = mpsc::UnboundedSender<Event>;

/// Serves the root; issues worker certificates for the worker token.
pub struct TestCa {
    pub root: Arc<RootCa>,
    pub worker_token: JoinToken,
}

#[tonic::async_trait]
impl Ca for TestCa {
    async fn get_root_ca_certificate(
        &self,
        _req: Request<Empty>,
    ) -> Result<Response<RootCaCertificate>, Status> {
        Ok(Response::new(RootCaCertificate {
            cert_pem: self.root.cert_pem().as_bytes().to_vec(),
        }))
    }

    async fn issue_node_certificate(
        &self,
        req: Request<IssueNodeCertificateRequest>,
    ) -> Result<Response<IssueNodeCertificateResponse>, Status> {
        let req = req.into_inner();
        let token =
            JoinToken::parse(&req.token).map_err(|e| Status::invalid_argument(e.to_string()))?;
        if !shoal_ca::token::secrets_match(&token.secret, &self.worker_token.secret) {
            return Err(Status::permission_denied("invalid join token"));
        }
        let cert_pem = self
            .root
            .issue(
                &req.csr_pem,
                JOINED_ID,
                Role::Worker,
                CLUSTER,
                &[],
                SystemTime::now(),
                Duration::from_secs(3600),
            )
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        Ok(Response::new(IssueNodeCertificateResponse {
            node_id: JOINED_ID.into(),
            cert_pem,
            role: Role::Worker.to_string(),
            ..Default::default()
        }))
    }
}

/// Heartbeat answers a period; Session sends two task sets and waits for the client to leave.
pub struct TestDispatcher {
    pub events: Events,
}

#[tonic::async_trait]
impl Dispatcher for TestDispatcher {
    type SessionStream = Pin<Box<dyn Stream<Item = Result<Assignments, Status>> + Send>>;

    async fn session(
        &self,
        req: Request<SessionRequest>,
    ) -> Result<Response<Self::SessionStream>, Status> {
        let caller = auth::require(&req, &[Role::Manager, Role::Worker], CLUSTER)?;
        if req.get_ref().node_id != caller.node_id {
            return Err(Status::permission_denied("node id is not the caller's"));
        }
        let (tx, rx) = mpsc::channel(4);
        for n in 1..=2 {
            let tasks: Vec<shoal_api::Task> = (0..n)
                .map(|i| shoal_api::Task {
                    id: format!("task{i}"),
                    node_id: caller.node_id.clone(),
                    ..Default::default()
                })
                .collect();
            let assignments_json = json::encode("task list", &tasks)?;
            tx.send(Ok(Assignments {
                assignments_json,
                ..Default::default()
            }))
            .await
            .unwrap();
        }
        let events = self.events.clone();
        tokio::spawn(async move {
            // The receiver lives in the response body: it is dropped when the client goes.
            tx.closed().await;
            let _ = events.send(Event::SessionClosed(caller.node_id));
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn update_task_status(
        &self,
        _req: Request<UpdateTaskStatusRequest>,
    ) -> Result<Response<Empty>, Status> {
        Ok(Response::new(Empty {}))
    }

    type LogSubscriptionsStream =
        Pin<Box<dyn Stream<Item = Result<shoal_rpc::pb::LogSubscriptionSet, Status>> + Send>>;
    type NetworkViewStream =
        Pin<Box<dyn Stream<Item = Result<shoal_rpc::pb::NetworkViewMessage, Status>> + Send>>;

    async fn network_view(
        &self,
        _req: Request<shoal_rpc::pb::NetworkViewRequest>,
    ) -> Result<Response<Self::NetworkViewStream>, Status> {
        Err(Status::unimplemented("not in these tests"))
    }

    async fn log_subscriptions(
        &self,
        _req: Request<shoal_rpc::pb::LogSubscriptionsRequest>,
    ) -> Result<Response<Self::LogSubscriptionsStream>, Status> {
        Err(Status::unimplemented("not in these tests"))
    }

    async fn publish_logs(
        &self,
        _req: Request<shoal_rpc::pb::PublishLogsRequest>,
    ) -> Result<Response<Empty>, Status> {
        Err(Status::unimplemented("not in these tests"))
    }

    async fn heartbeat(
        &self,
        req: Request<HeartbeatRequest>,
    ) -> Result<Response<HeartbeatResponse>, Status> {
        let caller = auth::caller(&req).expect("the server only lets nodes through");
        let _ = self.events.send(Event::Heartbeat(caller));
        Ok(Response::new(HeartbeatResponse {
            period_nanos: HEARTBEAT_PERIOD.as_nanos() as i64,
        }))
    }
}

/// Echoes everything.
pub struct TestRaft;

#[tonic::async_trait]
impl Raft for TestRaft {
    type SubscribeLogsStream =
        Pin<Box<dyn Stream<Item = Result<shoal_rpc::pb::PublishLogsRequest, Status>> + Send>>;

    async fn subscribe_logs(
        &self,
        _req: Request<shoal_rpc::pb::SubscribeLogsRequest>,
    ) -> Result<Response<Self::SubscribeLogsStream>, Status> {
        Err(Status::unimplemented("not in these tests"))
    }

    async fn append_entries(
        &self,
        req: Request<RaftPayload>,
    ) -> Result<Response<RaftPayload>, Status> {
        Ok(Response::new(req.into_inner()))
    }

    async fn vote(&self, req: Request<RaftPayload>) -> Result<Response<RaftPayload>, Status> {
        Ok(Response::new(req.into_inner()))
    }

    async fn install_snapshot(
        &self,
        req: Request<RaftPayload>,
    ) -> Result<Response<RaftPayload>, Status> {
        Ok(Response::new(req.into_inner()))
    }

    async fn propose(
        &self,
        req: Request<ProposeRequest>,
    ) -> Result<Response<ProposeResponse>, Status> {
        Ok(Response::new(ProposeResponse {
            response: req.into_inner().command,
        }))
    }

    async fn add_manager(
        &self,
        _req: Request<shoal_rpc::pb::AddManagerRequest>,
    ) -> Result<Response<shoal_rpc::pb::Empty>, Status> {
        Ok(Response::new(shoal_rpc::pb::Empty {}))
    }
}
