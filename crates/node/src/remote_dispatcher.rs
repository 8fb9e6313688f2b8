//! The agent's view of a dispatcher on another node, over gRPC with mutual TLS: the same
//! `DispatcherApi` the in-process dispatcher offers, so the agent does not know the
//! difference.

use shoal_agent::{Assignments, DispatcherApi, DispatcherError, StatusUpdate};
use shoal_api::logs::{LogMessage, NodeLogSubscription};
use shoal_api::NodeDescription;
use shoal_rpc::{client, pb};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tonic::transport::Channel;

pub struct RemoteDispatcher {
    channel: Mutex<Channel>,
    /// The managers this node may talk to (first: the current one), learnt from sessions.
    managers: Arc<Mutex<Vec<String>>>,
    certs: Mutex<shoal_manager::pki::NodeCerts>,
    /// What the node announces when it opens a session (set by `register`).
    hello: Mutex<Option<(NodeDescription, String)>>,
    /// The role the swarm wants this node in, as the last session message said.
    role: watch::Sender<String>,
    /// Where the learnt manager addresses are kept, so a restarted worker knows them all.
    managers_file: Option<PathBuf>,
    /// (roots to trust, signing root) as the last session message said (CA rotation).
    roots: watch::Sender<(String, String)>,
    /// Bumped when the certificates change: the open session ends so that the next one
    /// registers the node with its new TLS information.
    session_gen: watch::Sender<u64>,
}

impl RemoteDispatcher {
    pub fn new(
        addr: &str,
        certs: shoal_manager::pki::NodeCerts,
    ) -> Result<RemoteDispatcher, shoal_manager::ManagerError> {
        let channel = crate::node_rpc::channel(addr, &certs)?;
        Ok(RemoteDispatcher {
            channel: Mutex::new(channel),
            managers: Arc::new(Mutex::new(vec![addr.to_string()])),
            certs: Mutex::new(certs),
            hello: Mutex::new(None),
            role: watch::channel(String::new()).0,
            managers_file: None,
            roots: watch::channel((String::new(), String::new())).0,
            session_gen: watch::channel(0).0,
        })
    }

    /// Starts from the managers saved in `file` (if any; `addr` first) and keeps the file
    /// up to date with what sessions teach.
    pub fn with_managers_file(mut self, file: PathBuf) -> RemoteDispatcher {
        let saved: Vec<String> = std::fs::read(&file)
            .ok()
            .and_then(|raw| serde_json::from_slice(&raw).ok())
            .unwrap_or_default();
        learn_managers(&self.managers, saved);
        self.managers_file = Some(file);
        self
    }

    /// The managers known, the current one first.
    pub fn managers(&self) -> Vec<String> {
        self.managers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The role the swarm wants this node in ("manager", "worker"; empty before a session).
    pub fn desired_role(&self) -> watch::Receiver<String> {
        self.role.subscribe()
    }

    /// (roots to trust, signing root), PEM, as the swarm last said; empty before a session.
    pub fn roots(&self) -> watch::Receiver<(String, String)> {
        self.roots.subscribe()
    }

    /// Uses renewed certificates from now on (calls in flight finish on the old channel) and
    /// ends the open session, so the agent opens a new one with them.
    pub fn use_certs(&self, certs: shoal_manager::pki::NodeCerts) {
        *self.certs.lock().unwrap_or_else(|p| p.into_inner()) = certs;
        self.reconnect();
        self.session_gen.send_modify(|g| *g += 1);
    }

    fn reconnect(&self) {
        let addr = self.managers.lock().unwrap_or_else(|p| p.into_inner())[0].clone();
        let certs = self.certs.lock().unwrap_or_else(|p| p.into_inner()).clone();
        match crate::node_rpc::channel(&addr, &certs) {
            Ok(ch) => *self.channel.lock().unwrap_or_else(|p| p.into_inner()) = ch,
            Err(e) => tracing::warn!("agent: cannot reach manager {addr}: {e}"),
        }
    }

    /// The current manager did not answer: move on to the next one known.
    fn fail_over(&self) {
        {
            let mut m = self.managers.lock().unwrap_or_else(|p| p.into_inner());
            if m.len() < 2 {
                return;
            }
            m.rotate_left(1);
            tracing::warn!("agent: switching to manager {}", m[0]);
        }
        self.reconnect();
    }
}

/// Keeps the current manager first and learns the others from a session message; true
/// when the list changed.
fn learn_managers(managers: &Mutex<Vec<String>>, list: Vec<String>) -> bool {
    if list.is_empty() {
        return false;
    }
    let mut m = managers.lock().unwrap_or_else(|p| p.into_inner());
    let current = m[0].clone();
    let mut next: Vec<String> = list.into_iter().filter(|a| *a != current).collect();
    next.insert(0, current);
    let changed = *m != next;
    *m = next;
    changed
}

/// Saves the manager list (best effort: a stale file only costs a slower failover).
fn save_managers(file: &Path, managers: &Mutex<Vec<String>>) {
    let list = managers.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let raw = serde_json::to_vec(&list).unwrap_or_default();
    if let Err(e) = shoal_manager::fs::write_atomic(file, &raw) {
        tracing::warn!("agent: saving the managers' addresses: {e}");
    }
}

impl RemoteDispatcher {
    fn channel(&self) -> Channel {
        self.channel
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

fn unavailable(e: impl std::fmt::Display) -> DispatcherError {
    DispatcherError::Unavailable(e.to_string())
}

#[async_trait::async_trait]
impl DispatcherApi for RemoteDispatcher {
    /// Remembers the description; the session opened by `assignments` registers the node.
    async fn register(
        &self,
        _node_id: &str,
        description: NodeDescription,
        executor: &str,
    ) -> Result<(), DispatcherError> {
        *self.hello.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((description, executor.to_string()));
        Ok(())
    }

    async fn network_view(
        &self,
        node_id: &str,
    ) -> Result<mpsc::Receiver<shoal_api::NetView>, DispatcherError> {
        let req = pb::NetworkViewRequest {
            node_id: node_id.to_string(),
        };
        let stream = client::dispatcher(self.channel())
            .network_view(req)
            .await
            .map_err(|s| DispatcherError::Unavailable(s.message().to_string()))?
            .into_inner();
        Ok(crate::relay::relay(
            stream,
            |msg: &pb::NetworkViewMessage| serde_json::from_slice(&msg.view_json).ok(),
        ))
    }

    async fn log_subscriptions(
        &self,
        node_id: &str,
    ) -> Result<mpsc::Receiver<Vec<NodeLogSubscription>>, DispatcherError> {
        crate::log_client::open_sets(self.channel(), node_id).await
    }

    async fn publish_logs(
        &self,
        node_id: &str,
        subscription_id: &str,
        messages: Vec<LogMessage>,
        close: bool,
    ) -> Result<(), DispatcherError> {
        crate::log_client::publish(self.channel(), node_id, subscription_id, messages, close).await
    }

    async fn assignments(
        &self,
        node_id: &str,
    ) -> Result<mpsc::Receiver<Assignments>, DispatcherError> {
        let (description, executor) = self
            .hello
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .unwrap_or_default();
        let mut description = description;
        description.tls_info = shoal_manager::ca_rotation::tls_info_of(
            &self.certs.lock().unwrap_or_else(|p| p.into_inner()).clone(),
        );
        let req = pb::SessionRequest {
            node_id: node_id.to_string(),
            description_json: serde_json::to_vec(&description).map_err(unavailable)?,
            executor,
        };
        let opened = client::dispatcher(self.channel()).session(req).await;
        let mut stream = match opened {
            Ok(r) => r.into_inner(),
            Err(s) => {
                self.fail_over();
                return Err(unavailable(s.message()));
            }
        };
        let (tx, rx) = mpsc::channel(4);
        let managers = self.managers.clone();
        let role = self.role.clone();
        let roots = self.roots.clone();
        let file = self.managers_file.clone();
        let mut generation = self.session_gen.subscribe();
        generation.borrow_and_update();
        tokio::spawn(async move {
            // Ends (dropping `tx`) when the stream breaks or the certificates change: the
            // agent then reconnects.
            loop {
                let msg = tokio::select! {
                    msg = stream.message() => match msg {
                        Ok(Some(msg)) => msg,
                        _ => return,
                    },
                    _ = generation.changed() => return,
                };
                let wanted = (msg.trust_bundle_pem.clone(), msg.signing_root_pem.clone());
                roots.send_if_modified(|r| {
                    let changed = *r != wanted;
                    *r = wanted;
                    changed
                });
                if learn_managers(&managers, msg.managers.clone()) {
                    if let Some(file) = &file {
                        save_managers(file, &managers);
                    }
                }
                role.send_if_modified(|r| {
                    let changed = *r != msg.desired_role;
                    r.clone_from(&msg.desired_role);
                    changed
                });
                match serde_json::from_slice::<Assignments>(&msg.assignments_json) {
                    Ok(set) => {
                        if tx.send(set).await.is_err() {
                            return;
                        }
                    }
                    Err(e) => tracing::warn!("agent: undecodable assignment set: {e}"),
                }
            }
        });
        Ok(rx)
    }

    async fn heartbeat(&self, node_id: &str) -> Result<Duration, DispatcherError> {
        let resp = client::dispatcher(self.channel())
            .heartbeat(pb::HeartbeatRequest {
                node_id: node_id.to_string(),
                session_closed: false,
            })
            .await
            .map_err(|s| unavailable(s.message()))?;
        Ok(Duration::from_nanos(
            resp.into_inner().period_nanos.max(0) as u64
        ))
    }

    async fn report(
        &self,
        node_id: &str,
        updates: Vec<StatusUpdate>,
    ) -> Result<(), DispatcherError> {
        let updates = updates
            .into_iter()
            .map(|u| {
                Ok(pb::TaskStatusUpdate {
                    task_id: u.task_id,
                    status_json: serde_json::to_vec(&u.status).map_err(unavailable)?,
                })
            })
            .collect::<Result<Vec<_>, DispatcherError>>()?;
        client::dispatcher(self.channel())
            .update_task_status(pb::UpdateTaskStatusRequest {
                node_id: node_id.to_string(),
                updates,
            })
            .await
            .map_err(|s| unavailable(s.message()))?;
        Ok(())
    }
}
