//! The manager's node-facing gRPC services: the CA (join) and the dispatcher (sessions,
//! status reports, heartbeats), thin adapters over `ca_server` and `Dispatcher`.

use crate::ca_server;
use crate::control::ControlError;
use crate::dispatcher::Dispatcher;
use crate::manager::Manager;
use shoal_agent::{DispatcherApi, StatusUpdate};
use shoal_api::{Availability, NodeDescription, TaskStatus};
use shoal_rpc::pb;
use std::pin::Pin;
use std::sync::Arc;
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status};

fn status_of(e: ControlError) -> Status {
    match e {
        ControlError::NotFound(m) => Status::not_found(m),
        ControlError::InvalidArgument(m) => Status::invalid_argument(m),
        ControlError::Conflict(m) => Status::already_exists(m),
        ControlError::Unavailable(m) => Status::unavailable(m),
        other => Status::internal(other.to_string()),
    }
}

pub struct CaService {
    pub manager: Arc<Manager>,
}

#[tonic::async_trait]
impl pb::ca_server::Ca for CaService {
    async fn get_root_ca_certificate(
        &self,
        _req: Request<pb::Empty>,
    ) -> Result<Response<pb::RootCaCertificate>, Status> {
        let ca = self.manager.read().ca.clone();
        let ca = ca.ok_or_else(|| Status::unavailable("the cluster has no root CA"))?;
        Ok(Response::new(pb::RootCaCertificate {
            cert_pem: ca.cert_pem.into_bytes(),
        }))
    }

    async fn issue_node_certificate(
        &self,
        req: Request<pb::IssueNodeCertificateRequest>,
    ) -> Result<Response<pb::IssueNodeCertificateResponse>, Status> {
        // A node with a certificate and no token is renewing.
        if let Some(caller) =
            shoal_rpc::auth::caller(&req).filter(|_| req.get_ref().token.is_empty())
        {
            let cert_pem = ca_server::renew(
                &self.manager,
                &caller.node_id,
                caller.role,
                &req.get_ref().csr_pem,
            )
            .await
            .map_err(status_of)?;
            return Ok(Response::new(pb::IssueNodeCertificateResponse {
                node_id: caller.node_id,
                cert_pem,
                role: caller.role.ou().to_string(),
            }));
        }
        let r = req.into_inner();
        let availability = match r.availability.as_str() {
            "" => None,
            other => Some(
                serde_json::from_value::<Availability>(serde_json::json!(other)).map_err(|_| {
                    Status::invalid_argument(format!("invalid availability {other:?}"))
                })?,
            ),
        };
        let joined = ca_server::join(&self.manager, &r.token, &r.csr_pem, availability)
            .await
            .map_err(status_of)?;
        Ok(Response::new(pb::IssueNodeCertificateResponse {
            node_id: joined.node_id,
            cert_pem: joined.cert_pem,
            role: joined.role.ou().to_string(),
        }))
    }
}

pub struct DispatcherService {
    pub dispatcher: Arc<Dispatcher>,
}

/// The caller's certificate must name the node the request speaks for (managers may pass
/// on their nodes' heartbeats to the leader).
fn check_node<T>(req: &Request<T>, node_id: &str) -> Result<(), Status> {
    let caller = shoal_rpc::auth::caller(req)
        .ok_or_else(|| Status::unauthenticated("a node certificate is required"))?;
    if caller.node_id != node_id && caller.role != shoal_ca::Role::Manager {
        return Err(Status::permission_denied(format!(
            "node {} cannot speak for node {node_id}",
            caller.node_id
        )));
    }
    Ok(())
}

type AssignmentStream = Pin<Box<dyn Stream<Item = Result<pb::Assignments, Status>> + Send>>;

#[tonic::async_trait]
impl pb::dispatcher_server::Dispatcher for DispatcherService {
    type SessionStream = AssignmentStream;

    async fn session(
        &self,
        req: Request<pb::SessionRequest>,
    ) -> Result<Response<Self::SessionStream>, Status> {
        let addr = shoal_rpc::auth::peer(&req)
            .and_then(|p| p.remote_addr())
            .map(|a| a.ip().to_string())
            .unwrap_or_default();
        let r = req.get_ref();
        check_node(&req, &r.node_id)?;
        let description: NodeDescription = serde_json::from_slice(&r.description_json)
            .map_err(|e| Status::invalid_argument(format!("node description: {e}")))?;
        self.dispatcher
            .register_at(&r.node_id, description, &r.executor, &addr)
            .await
            .map_err(|e| Status::unavailable(e.to_string()))?;
        let rx = self
            .dispatcher
            .assignments(&r.node_id)
            .await
            .map_err(|e| Status::unavailable(e.to_string()))?;
        let manager = self.dispatcher.manager().clone();
        let stream = tokio_stream::wrappers::ReceiverStream::new(rx).map(move |set| {
            let managers = manager.raft.members().into_iter().map(|(_, a)| a).collect();
            serde_json::to_vec(&set)
                .map(|tasks_json| pb::Assignments {
                    tasks_json,
                    managers,
                })
                .map_err(|e| Status::internal(e.to_string()))
        });
        Ok(Response::new(Box::pin(stream)))
    }

    async fn update_task_status(
        &self,
        req: Request<pb::UpdateTaskStatusRequest>,
    ) -> Result<Response<pb::Empty>, Status> {
        check_node(&req, &req.get_ref().node_id)?;
        let r = req.into_inner();
        let mut updates = Vec::with_capacity(r.updates.len());
        for u in r.updates {
            let status: TaskStatus = serde_json::from_slice(&u.status_json)
                .map_err(|e| Status::invalid_argument(format!("task status: {e}")))?;
            updates.push(StatusUpdate {
                task_id: u.task_id,
                status,
            });
        }
        self.dispatcher
            .report(&r.node_id, updates)
            .await
            .map_err(|e| Status::unavailable(e.to_string()))?;
        Ok(Response::new(pb::Empty {}))
    }

    async fn heartbeat(
        &self,
        req: Request<pb::HeartbeatRequest>,
    ) -> Result<Response<pb::HeartbeatResponse>, Status> {
        check_node(&req, &req.get_ref().node_id)?;
        let period = self
            .dispatcher
            .heartbeat(&req.get_ref().node_id)
            .await
            .map_err(|e| Status::not_found(e.to_string()))?;
        Ok(Response::new(pb::HeartbeatResponse {
            period_nanos: period.as_nanos() as i64,
        }))
    }
}
