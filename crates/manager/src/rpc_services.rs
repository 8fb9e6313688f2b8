//! The manager's node-facing gRPC services: the CA (join) and the dispatcher (sessions,
//! status reports, heartbeats), thin adapters over `ca_server` and `Dispatcher`.

use crate::ca_server;
use crate::control::ControlError;
use crate::dispatcher::Dispatcher;
use crate::manager::Manager;
use shoal_api::{Availability, NodeDescription, StatusUpdate, TaskStatus};
use shoal_rpc::pb;
use std::pin::Pin;
use std::sync::Arc;
use tokio_stream::Stream;
use tonic::{Request, Response, Status};

/// A dispatcher refusal as gRPC says it: an unknown node is not found, the rest is
/// unavailable (the agent retries, or fails over to another manager).
fn dispatch_status(e: crate::error::DispatchError) -> Status {
    match e {
        crate::error::DispatchError::UnknownNode(_) => Status::not_found(e.to_string()),
        crate::error::DispatchError::Unavailable(_) => Status::unavailable(e.to_string()),
    }
}

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
            let renewed = ca_server::renew(&self.manager, &caller.node_id, &req.get_ref().csr_pem)
                .await
                .map_err(status_of)?;
            let cert_pem = renewed.cert_pem;
            let role = shoal_ca::cert_der_from_pem(&cert_pem)
                .ok()
                .and_then(|der| shoal_ca::identity_of(&der).ok())
                .map_or(caller.role, |id| id.role);
            return Ok(Response::new(pb::IssueNodeCertificateResponse {
                node_id: caller.node_id,
                cert_pem,
                role: role.ou().to_string(),
                trust_bundle_pem: renewed.trust_bundle_pem,
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
            trust_bundle_pem: joined.root_cert_pem,
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

/// Feeds a session: every new assignment set, and the last one again whenever the node's
/// desired role changes (that is how a worker learns it was promoted, and a manager's agent
/// that it was demoted). Ends when the node's assignments end or the session is dropped.
async fn session_stream(
    manager: Arc<crate::Manager>,
    node_id: String,
    mut sets: tokio::sync::mpsc::Receiver<shoal_api::Assignments>,
    tx: tokio::sync::mpsc::Sender<Result<pb::Assignments, Status>>,
) {
    // What the node must follow besides its tasks: its role and the swarm's roots. Checked on
    // every write, so compared in place and copied only when it changed.
    type Basis = (
        shoal_api::NodeRole,
        Option<shoal_store::CaRecord>,
        Option<shoal_store::CaRotation>,
    );
    let changed_basis = |m: &crate::Manager, basis: Option<&Basis>| -> Option<Basis> {
        let st = m.read();
        let role = st
            .nodes
            .get(&node_id)
            .map(|n| n.spec.role)
            .unwrap_or_default();
        let same =
            basis.is_some_and(|(r, ca, rot)| *r == role && *ca == st.ca && *rot == st.ca_rotation);
        (!same).then(|| (role, st.ca.clone(), st.ca_rotation.clone()))
    };
    let mut changes = manager.store.subscribe();
    let mut basis = changed_basis(&manager, None).unwrap_or_default();
    let mut last = None;
    loop {
        tokio::select! {
            _ = tx.closed() => return,
            set = sets.recv() => match set {
                Some(set) => last = Some(set),
                None => return,
            },
            changed = changes.changed() => {
                if changed.is_err() {
                    return;
                }
                match changed_basis(&manager, Some(&basis)) {
                    Some(now) => basis = now,
                    None => continue,
                }
            }
        }
        let Some(set) = &last else { continue };
        let message = serde_json::to_vec(set)
            .map(|assignments_json| pb::Assignments {
                assignments_json,
                managers: manager
                    .proposer
                    .members()
                    .into_iter()
                    .map(|(_, a)| a)
                    .collect(),
                desired_role: role_name(basis.0).into(),
                trust_bundle_pem: crate::ca_roots::trust_bundle_of(
                    basis.1.as_ref(),
                    basis.2.as_ref(),
                ),
                signing_root_pem: crate::ca_roots::signing_root_of(
                    basis.1.as_ref(),
                    basis.2.as_ref(),
                )
                .map(|c| c.cert_pem.clone())
                .unwrap_or_default(),
            })
            .map_err(|e| Status::internal(e.to_string()));
        if tx.send(message).await.is_err() {
            return;
        }
    }
}

fn role_name(role: shoal_api::NodeRole) -> &'static str {
    match role {
        shoal_api::NodeRole::Manager => "manager",
        shoal_api::NodeRole::Worker => "worker",
    }
}

type ViewStream = Pin<Box<dyn Stream<Item = Result<pb::NetworkViewMessage, Status>> + Send>>;
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
        let (tx, out) = tokio::sync::mpsc::channel(4);
        let dispatcher = self.dispatcher.clone();
        let node_id = r.node_id.clone();
        tokio::spawn(async move {
            // Ends when the node's connection closes (or the manager stops serving it).
            session_stream(manager, node_id.clone(), rx, tx).await;
            dispatcher.session_closed(&node_id).await;
        });
        let stream = tokio_stream::wrappers::ReceiverStream::new(out);
        Ok(Response::new(Box::pin(stream)))
    }

    type LogSubscriptionsStream = crate::log_rpc::SetStream;
    type NetworkViewStream = ViewStream;

    async fn network_view(
        &self,
        req: Request<pb::NetworkViewRequest>,
    ) -> Result<Response<Self::NetworkViewStream>, Status> {
        check_node(&req, &req.get_ref().node_id)?;
        let rx = self
            .dispatcher
            .network_view(&req.get_ref().node_id)
            .await
            .map_err(|e| Status::unavailable(e.to_string()))?;
        Ok(Response::new(Box::pin(futures_util::stream::unfold(
            rx,
            |mut rx| async move {
                let view = rx.recv().await?;
                let item = serde_json::to_vec(&view)
                    .map(|view_json| pb::NetworkViewMessage { view_json })
                    .map_err(|e| Status::internal(e.to_string()));
                Some((item, rx))
            },
        ))))
    }

    async fn log_subscriptions(
        &self,
        req: Request<pb::LogSubscriptionsRequest>,
    ) -> Result<Response<Self::LogSubscriptionsStream>, Status> {
        check_node(&req, &req.get_ref().node_id)?;
        let rx = self
            .dispatcher
            .log_subscriptions(&req.get_ref().node_id)
            .await
            .map_err(|e| Status::unavailable(e.to_string()))?;
        Ok(Response::new(crate::log_rpc::set_stream(rx)))
    }

    async fn publish_logs(
        &self,
        req: Request<pb::PublishLogsRequest>,
    ) -> Result<Response<pb::Empty>, Status> {
        check_node(&req, &req.get_ref().node_id)?;
        let (id, p) = crate::log_rpc::from_pb(req.into_inner())?;
        self.dispatcher
            .publish_logs(&p.node_id, &id, p.messages, p.close)
            .await
            .map_err(|e| Status::not_found(e.to_string()))?;
        Ok(Response::new(pb::Empty {}))
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
        if req.get_ref().session_closed {
            self.dispatcher.note_closed(&req.get_ref().node_id);
            return Ok(Response::new(pb::HeartbeatResponse {
                period_nanos: self.dispatcher.period().as_nanos() as i64,
            }));
        }
        let period = self
            .dispatcher
            .heartbeat(&req.get_ref().node_id)
            .await
            .map_err(dispatch_status)?;
        Ok(Response::new(pb::HeartbeatResponse {
            period_nanos: period.as_nanos() as i64,
        }))
    }
}
