//! The local node's swarm lifecycle: inactive until `swarm init`, then a manager (raft,
//! reconciler, dispatcher) plus an agent; back to inactive on `swarm leave`. A node that was
//! in a swarm rejoins it by itself when the daemon restarts.
//!
//! On disk: `<data-dir>/swarm/node.json` (this node's identity) and `<data-dir>/swarm/raft/`.

use crate::brain::Brain;
use crate::events::{Events, NodeEvent};
pub(crate) use crate::identity::{manager_role, Identity};
use crate::parts::{Home, ManagerParts, WorkerParts};
use crate::switch_dispatcher::SwitchDispatcher;
use shoal_agent::{Agent, AgentConfig, Stop};
use shoal_api::{
    Availability, Cluster, ManagerStatus, Node, NodeRole, NodeSpec, NodeState, NodeStatus,
    SwarmSpec,
};
use shoal_executor::Executor;
use shoal_manager::clock::SystemClock;
use shoal_manager::control::swarm::AddressSettings;
use shoal_manager::control::ControlError;
use shoal_manager::error::ManagerError;
use shoal_manager::fs::write_atomic;
use shoal_manager::ids::new_id;
use shoal_manager::manager::Manager;
use shoal_manager::pki;
use shoal_manager::raft_ids::raft_id_of;
use shoal_manager::raft_proposer::RaftProposer;
use shoal_manager::replicated_store::ReplicatedStore;
use shoal_raft::{RaftConfig, RaftNode};
use shoal_store::Op;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};
use tokio::sync::{mpsc, watch, Mutex};
use tokio::task::JoinHandle;

pub struct RuntimeConfig {
    pub data_dir: PathBuf,
    pub executor: Arc<dyn Executor>,
    pub hostname: Option<String>,
    pub engine_labels: HashMap<String, String>,
}

#[derive(Debug, Clone, Default)]
pub struct InitRequest {
    pub listen_addr: String,
    pub advertise_addr: String,
    pub force_new_cluster: bool,
    pub spec: Option<SwarmSpec>,
    pub availability: Option<Availability>,
    /// `--default-addr-pool` (empty: Swarm's 10.0.0.0/8).
    pub default_addr_pool: Vec<String>,
    /// `--default-addr-pool-mask-length` (0: 24).
    pub subnet_size: u32,
    /// `--data-path-port` (0: 4789).
    pub data_path_port: u32,
    /// `--data-path-addr`: accepted; the data plane does not use it yet.
    pub data_path_addr: String,
}

/// What `/info` and the HTTP layer need to know about the local node.
#[derive(Clone)]
pub enum LocalState {
    Inactive,
    Active {
        node_id: String,
        addr: String,
        manager: Arc<Manager>,
    },
    /// A worker: runs tasks, serves no control API.
    Worker {
        node_id: String,
        addr: String,
    },
    /// A manager whose raft data key is sealed: nothing runs until `swarm unlock`.
    Locked {
        node_id: String,
        addr: String,
    },
}

pub(crate) struct Active {
    pub identity: Identity,
    /// The agent's dispatcher: the local one on a manager, a remote one on a worker.
    pub dispatcher: Arc<SwitchDispatcher>,
    pub agent_stop: watch::Sender<Option<Stop>>,
    pub agent: JoinHandle<()>,
    pub manager: Option<ManagerParts>,
    pub worker: Option<WorkerParts>,
}

pub struct NodeRuntime {
    cfg: RuntimeConfig,
    pub(crate) active: Mutex<Option<Active>>,
    local: std::sync::RwLock<LocalState>,
    /// Where the background loops send what they need of the node (see `handle_events`).
    pub(crate) events: Events,
    /// The unlock key given to `swarm unlock` (autolock), for reopening raft later.
    pub(crate) kek: std::sync::Mutex<Option<shoal_manager::autolock::UnlockKey>>,
    /// A locked manager's identity, waiting for `swarm unlock`.
    locked: Mutex<Option<Identity>>,
}

fn io_err(what: &'static str, path: &Path, source: std::io::Error) -> ManagerError {
    ManagerError::Io {
        what,
        path: path.display().to_string(),
        source,
    }
}

pub(crate) const ALREADY_IN_SWARM: &str = "This node is already part of a swarm. Use \"docker swarm leave\" to leave this swarm and join another one.";
const NOT_IN_SWARM: &str = "This node is not part of a swarm";

impl NodeRuntime {
    pub(crate) fn swarm_dir(&self) -> PathBuf {
        self.cfg.data_dir.join("swarm")
    }

    pub(crate) fn identity_path(&self) -> PathBuf {
        self.swarm_dir().join("node.json")
    }

    /// Starts the runtime; rejoins the swarm this node was part of, if any.
    pub async fn start(cfg: RuntimeConfig) -> Result<Arc<NodeRuntime>, ManagerError> {
        let (events, requests) = Events::channel();
        let rt = Arc::new(NodeRuntime {
            cfg,
            active: Mutex::new(None),
            local: std::sync::RwLock::new(LocalState::Inactive),
            events,
            kek: std::sync::Mutex::new(None),
            locked: Mutex::new(None),
        });
        tokio::spawn(handle_events(Arc::downgrade(&rt), requests));
        let path = rt.identity_path();
        if path.exists() {
            let raw = std::fs::read(&path).map_err(|e| io_err("reading", &path, e))?;
            let identity: Identity = serde_json::from_slice(&raw)
                .map_err(|e| ManagerError::Decode(format!("{}: {e}", path.display())))?;
            if identity.role == "worker" {
                rt.activate_worker(identity).await?;
            } else {
                match rt.open_raft(&identity).await {
                    Ok(brain) => {
                        rt.catch_up(&brain).await;
                        rt.activate(identity, brain).await?
                    }
                    Err(ManagerError::Autolock(shoal_manager::autolock::AutolockError::Locked)) => {
                        tracing::warn!(
                            "this manager is locked: run `swarm unlock` with the unlock key"
                        );
                        rt.set_local(LocalState::Locked {
                            node_id: identity.node_id.clone(),
                            addr: identity.addr.clone(),
                        });
                        *rt.locked.lock().await = Some(identity);
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(rt)
    }

    pub(crate) async fn open_raft(&self, identity: &Identity) -> Result<Brain, ManagerError> {
        let store = Arc::new(ReplicatedStore::default());
        let raft_dir = self.swarm_dir().join("raft");
        let kek = self.kek.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let dek = shoal_manager::autolock::load_dek(&raft_dir, kek.as_ref())?;
        let config = RaftConfig {
            data_key: Some(dek),
            ..RaftConfig::new(raft_dir, identity.raft_id, identity.addr.clone())
        };
        let peers = Arc::new(shoal_manager::peers::Peers::new(pki::load(
            &self.swarm_dir(),
        )?));
        let raft = RaftNode::open_with(config, store.clone(), peers.clone()).await?;
        let proposer = RaftProposer {
            raft: raft.clone(),
            peers: Some(peers.clone()),
        };
        let manager = Arc::new(Manager {
            node_id: identity.node_id.clone(),
            proposer: Arc::new(proposer),
            store,
            clock: Arc::new(SystemClock),
            peers: Some(peers),
            logs: shoal_manager::log_broker::LogBroker::new(),
            allocation: Default::default(),
        });
        Ok(Brain { manager, raft })
    }

    /// A reopened manager serves reads only once it has caught up with what was committed
    /// (or after a bounded wait, when no leader can be reached).
    async fn catch_up(&self, brain: &Brain) {
        if !brain
            .raft
            .wait_caught_up(std::time::Duration::from_secs(5))
            .await
        {
            tracing::warn!("serving before catching up with the cluster: no leader within 5 s");
        }
    }

    /// Where this node's parts live and how they reach it.
    fn home(&self) -> Home {
        Home {
            swarm_dir: self.swarm_dir(),
            events: self.events.clone(),
        }
    }

    pub(crate) async fn start_manager_parts(
        &self,
        identity: &Identity,
        brain: Brain,
    ) -> Result<ManagerParts, ManagerError> {
        ManagerParts::start(&self.home(), identity, brain).await
    }

    pub(crate) fn start_worker_parts(
        &self,
        identity: &Identity,
    ) -> Result<WorkerParts, ManagerError> {
        WorkerParts::start(&self.home(), identity)
    }

    pub(crate) fn set_local(&self, state: LocalState) {
        *self.local.write().unwrap_or_else(|p| p.into_inner()) = state;
    }

    /// Starts the manager's parts and the local agent.
    pub(crate) async fn activate(
        &self,
        identity: Identity,
        brain: Brain,
    ) -> Result<(), ManagerError> {
        let manager = brain.manager.clone();
        let parts = self.start_manager_parts(&identity, brain).await?;
        let dispatcher = Arc::new(SwitchDispatcher::new(parts.agent_dispatcher()));
        let (agent_stop, agent) = self.spawn_agent(&identity, dispatcher.clone());
        self.set_local(LocalState::Active {
            node_id: identity.node_id.clone(),
            addr: identity.addr.clone(),
            manager,
        });
        *self.active.lock().await = Some(Active {
            identity,
            dispatcher,
            agent_stop,
            agent,
            manager: Some(parts),
            worker: None,
        });
        Ok(())
    }

    /// Starts this node's agent against `dispatcher`; returns its stop switch and task.
    fn spawn_agent(
        &self,
        identity: &Identity,
        dispatcher: Arc<SwitchDispatcher>,
    ) -> (watch::Sender<Option<Stop>>, JoinHandle<()>) {
        let (stop, rx) = watch::channel(None);
        let cfg = AgentConfig {
            node_id: identity.node_id.clone(),
            hostname: self.cfg.hostname.clone(),
            engine_labels: self.cfg.engine_labels.clone(),
            executor: self.cfg.executor.clone(),
            dispatcher,
            data_plane: data_plane(self.cfg.executor.kind(), &identity.node_id),
        };
        (stop, tokio::spawn(Agent::run(cfg, rx)))
    }

    /// A worker: only the agent, talking to its managers over mutual TLS.
    pub(crate) async fn activate_worker(&self, identity: Identity) -> Result<(), ManagerError> {
        let parts = self.start_worker_parts(&identity)?;
        let dispatcher = Arc::new(SwitchDispatcher::new(parts.dispatcher.clone()));
        let (agent_stop, agent) = self.spawn_agent(&identity, dispatcher.clone());
        self.set_local(LocalState::Worker {
            node_id: identity.node_id.clone(),
            addr: identity.addr.clone(),
        });
        *self.active.lock().await = Some(Active {
            identity,
            dispatcher,
            agent_stop,
            agent,
            manager: None,
            worker: Some(parts),
        });
        Ok(())
    }

    pub fn local(&self) -> LocalState {
        self.local.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The manager, or Docker's 503 when this node is not in a swarm.
    pub fn manager(&self) -> Result<Arc<Manager>, ControlError> {
        match self.local() {
            LocalState::Active { manager, .. } => Ok(manager),
            LocalState::Inactive => Err(ControlError::Unavailable(
                "This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" to connect this node to swarm and try again.".into(),
            )),
            LocalState::Worker { .. } => Err(ControlError::Unavailable(
                "This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state. Please run this command on a manager node or promote the current node to a manager.".into(),
            )),
            LocalState::Locked { .. } => Err(ControlError::Unavailable(
                shoal_manager::autolock::LOCKED.into(),
            )),
        }
    }

    pub fn executor_kind(&self) -> &'static str {
        self.cfg.executor.kind()
    }

    /// `swarm init`: a new single-manager cluster with this node as leader.
    pub async fn init(&self, req: InitRequest) -> Result<String, ControlError> {
        match self.local() {
            LocalState::Active { .. } if req.force_new_cluster => {
                return self.force_new_cluster().await
            }
            LocalState::Active { .. } | LocalState::Worker { .. } | LocalState::Locked { .. } => {
                return Err(ControlError::Unavailable(ALREADY_IN_SWARM.into()))
            }
            LocalState::Inactive => {}
        }
        let addresses =
            AddressSettings::check(&req.default_addr_pool, req.subnet_size, req.data_path_port)?;
        let dir = self.swarm_dir();
        std::fs::create_dir_all(&dir)
            .map_err(|e| ControlError::Internal(io_err("creating", &dir, e).to_string()))?;
        let addr = advertise(&req);
        let node_id = new_id();
        let identity = Identity {
            raft_id: raft_id_of(&node_id),
            node_id,
            addr: addr.clone(),
            role: manager_role(),
            listen_addr: listen(&req),
            manager_addr: String::new(),
        };
        let cluster_id = new_id();
        let pki = pki::create(&cluster_id, &identity.node_id)?;
        pki::save(&dir, &pki.node)?;
        let brain = self.open_raft(&identity).await?;
        let manager = brain.manager.clone();
        brain
            .raft
            .bootstrap_single()
            .await
            .map_err(ManagerError::from)?;
        let cluster = Cluster {
            id: cluster_id,
            spec: req.spec.clone().unwrap_or_default(),
            default_addr_pool: addresses.pools.clone(),
            subnet_size: addresses.subnet_size,
            data_path_port: addresses.data_path_port,
            join_tokens: pki.tokens.clone(),
            tls_info: shoal_manager::ca_rotation::root_tls_info(&pki.ca.cert_pem),
            ..Default::default()
        };
        let node = Node {
            id: identity.node_id.clone(),
            spec: NodeSpec {
                role: NodeRole::Manager,
                availability: req.availability.unwrap_or_default(),
                ..Default::default()
            },
            status: NodeStatus {
                state: NodeState::Unknown,
                message: String::new(),
                addr: addr.split(':').next().unwrap_or_default().to_string(),
            },
            manager_status: Some(ManagerStatus {
                leader: true,
                reachability: "reachable".into(),
                addr: addr.clone(),
            }),
            executor: self.cfg.executor.kind().to_string(),
            ..Default::default()
        };
        // The node record first, so the spec written here is the one kept.
        let autolock = cluster.spec.encryption_config.auto_lock_managers;
        let mut ops = vec![
            Op::PutRootCa(Box::new(pki.ca.clone())),
            Op::PutCluster(Box::new(cluster)),
            Op::PutNode(Box::new(node)),
            shoal_manager::control::networks::ingress_op(&addresses.pools, addresses.subnet_size)?,
        ];
        ops.extend(shoal_manager::control::swarm::unlock_key_op(
            None, autolock, false,
        ));
        manager.propose(ops).await?;
        let path = self.identity_path();
        let raw = serde_json::to_vec_pretty(&identity).unwrap_or_default();
        write_atomic(&path, &raw)
            .map_err(|e| ControlError::Internal(io_err("writing", &path, e).to_string()))?;
        let node_id = identity.node_id.clone();
        let raft = brain.raft.clone();
        if let Err(e) = self.activate(identity, brain).await {
            let _ = raft.shutdown().await;
            let _ = std::fs::remove_dir_all(&dir);
            return Err(e.into());
        }
        // Like `docker swarm init`, return once the node is ready (its agent registered),
        // so a `node ls` right after shows its hostname and status.
        let mut changes = manager.store.subscribe();
        let ready = async {
            loop {
                let is_ready = manager
                    .read()
                    .nodes
                    .get(&node_id)
                    .is_some_and(|n| n.status.state == NodeState::Ready);
                if is_ready || changes.changed().await.is_err() {
                    return;
                }
            }
        };
        if tokio::time::timeout(std::time::Duration::from_secs(15), ready)
            .await
            .is_err()
        {
            tracing::warn!("swarm init: the local agent has not registered after 15 s");
        }
        Ok(node_id)
    }

    /// Stops agent, reconciler and raft; `how` says what happens to the tasks.
    async fn deactivate(&self, how: Stop) -> Option<Identity> {
        let active = self.active.lock().await.take()?;
        self.set_local(LocalState::Inactive);
        let _ = active.agent_stop.send(Some(how));
        let _ = active.agent.await;
        if let Some(parts) = active.worker {
            parts.stop();
        }
        if let Some(parts) = active.manager {
            parts.stop().await;
        }
        Some(active.identity)
    }

    /// `swarm leave`: stops and removes this node's tasks and forgets the swarm.
    pub async fn leave(&self, force: bool) -> Result<(), ControlError> {
        let manager = match self.local() {
            LocalState::Inactive => return Err(ControlError::Unavailable(NOT_IN_SWARM.into())),
            LocalState::Worker { .. } => None,
            LocalState::Active { manager, .. } => Some(manager),
            LocalState::Locked { .. } if !force => {
                return Err(ControlError::Unavailable(
                    "Swarm is encrypted and locked. Please unlock it first or use `--force` to ignore this message.".into(),
                ))
            }
            LocalState::Locked { .. } => {
                *self.locked.lock().await = None;
                self.set_local(LocalState::Inactive);
                None
            }
        };
        if let (Some(m), false) = (&manager, force) {
            let count = shoal_manager::control::nodes::manager_count(m);
            if let Some(refusal) = shoal_manager::quorum::leave_refusal(count) {
                return Err(ControlError::Unavailable(refusal));
            }
        }
        drop(manager);
        self.deactivate(Stop::Leave).await;
        let dir = self.swarm_dir();
        std::fs::remove_dir_all(&dir)
            .map_err(|e| ControlError::Internal(io_err("removing", &dir, e).to_string()))?;
        Ok(())
    }

    /// `swarm unlock`: opens the locked manager's raft with the key and starts it.
    pub async fn unlock(&self, key: &str) -> Result<(), ControlError> {
        use shoal_manager::autolock::{AutolockError, UnlockKey, INVALID_KEY, NOT_LOCKED};
        let mut locked = self.locked.lock().await;
        let Some(identity) = locked.clone() else {
            return Err(match self.local() {
                LocalState::Inactive => ControlError::Unavailable(NOT_IN_SWARM.into()),
                _ => ControlError::Conflict(NOT_LOCKED.into()),
            });
        };
        let key =
            UnlockKey::parse(key).map_err(|_| ControlError::Unauthorized(INVALID_KEY.into()))?;
        let raft_dir = self.swarm_dir().join("raft");
        match shoal_manager::autolock::load_dek(&raft_dir, Some(&key)) {
            Ok(_) => {}
            Err(AutolockError::InvalidKey) => {
                return Err(ControlError::Unauthorized(INVALID_KEY.into()))
            }
            Err(e) => return Err(ControlError::Internal(e.to_string())),
        }
        *self.kek.lock().unwrap_or_else(|p| p.into_inner()) = Some(key);
        let brain = self.open_raft(&identity).await?;
        self.catch_up(&brain).await;
        self.activate(identity, brain).await?;
        *locked = None;
        Ok(())
    }

    /// Daemon shutdown: containers keep running for adoption, host processes stop, state is
    /// flushed by raft's shutdown.
    pub async fn shutdown(&self) {
        self.deactivate(Stop::Daemon).await;
    }
}

/// The node RPC's listen address: `ListenAddr` with port 2377 by default.
pub(crate) fn listen(req: &InitRequest) -> String {
    let raw = if req.listen_addr.is_empty() {
        "0.0.0.0:2377".to_string()
    } else {
        req.listen_addr.clone()
    };
    if raw.contains(':') {
        raw
    } else {
        format!("{raw}:2377")
    }
}

/// `AdvertiseAddr` (or `ListenAddr`) with the default port 2377; loopback when unset.
pub(crate) fn advertise(req: &InitRequest) -> String {
    let raw = if !req.advertise_addr.is_empty() {
        req.advertise_addr.clone()
    } else {
        req.listen_addr.clone()
    };
    let raw = if raw.is_empty() || raw.starts_with("0.0.0.0") {
        "127.0.0.1".to_string()
    } else {
        raw
    };
    if raw.contains(':') {
        raw
    } else {
        format!("{raw}:2377")
    }
}

/// The runtime's side of [`crate::events`]: one event at a time, each answered. Holds the
/// runtime weakly, so a dropped runtime ends it.
async fn handle_events(runtime: Weak<NodeRuntime>, mut requests: mpsc::Receiver<NodeEvent>) {
    while let Some(event) = requests.recv().await {
        let Some(rt) = runtime.upgrade() else {
            return;
        };
        match event {
            NodeEvent::Promote(done) => {
                let _ = done.send(rt.promote_self().await);
            }
            NodeEvent::Demote(done) => {
                let _ = done.send(rt.demote_self().await);
            }
            NodeEvent::Reseal {
                raft_dir,
                key,
                done,
            } => {
                let result = crate::autolock_sync::reseal(&rt.kek, &raft_dir, key.as_deref());
                let _ = done.send(result);
            }
        }
    }
}

/// The node's data plane, for the executors whose tasks join networks: containers join the
/// engine networks shoal makes for their swarm networks, processes run in sandboxes on
/// shoal's bridges.
fn data_plane(executor: &str, node_id: &str) -> Option<Arc<dyn shoal_agent::DataPlane>> {
    matches!(executor, "docker" | "process")
        .then(|| Arc::new(shoal_net::KernelPlane::new(node_id)) as Arc<dyn shoal_agent::DataPlane>)
}
