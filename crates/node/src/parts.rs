//! The moving parts of an active node, started and stopped as a group: a manager's
//! (reconciler, liveness watch, certificate renewal, role loops, node RPC server, raft) and
//! a worker's (remote dispatcher, renewal through its manager, promotion watch). The agent
//! outlives both: it switches dispatchers when the node changes role.

use crate::brain::Brain;
use crate::events::Events;
use crate::identity::Identity;
use crate::remote_dispatcher::RemoteDispatcher;
use shoal_manager::dispatcher::Dispatcher;
use shoal_manager::error::ManagerError;
use shoal_manager::manager::Manager;
use shoal_manager::pki;
use shoal_manager::reconciler;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A manager's background work.
pub(crate) struct ManagerParts {
    pub manager: Arc<Manager>,
    /// The raft member under the manager (membership, shutdown).
    pub raft: shoal_raft::RaftNode,
    pub dispatcher: Arc<Dispatcher>,
    stop: watch::Sender<bool>,
    recon: JoinHandle<()>,
    rpc_stop: Option<watch::Sender<bool>>,
}

/// A worker's background work.
pub(crate) struct WorkerParts {
    pub dispatcher: Arc<RemoteDispatcher>,
    stop: watch::Sender<bool>,
}

/// Where the parts of a node live and how they reach the node: its swarm dir and the
/// channel its runtime takes events from.
pub(crate) struct Home {
    pub swarm_dir: PathBuf,
    pub events: Events,
}

impl Home {
    fn swarm_dir(&self) -> PathBuf {
        self.swarm_dir.clone()
    }
}

impl ManagerParts {
    /// Starts everything a manager runs besides the agent.
    pub(crate) async fn start(
        home: &Home,
        identity: &Identity,
        brain: Brain,
    ) -> Result<ManagerParts, ManagerError> {
        let Brain { manager, raft } = brain;
        let (stop, stop_rx) = watch::channel(false);
        let recon = tokio::spawn(reconciler::run(manager.clone(), stop_rx.clone()));
        // Node addresses are IPs; the manager address keeps its port.
        let ip = identity
            .addr
            .rsplit_once(':')
            .map_or(identity.addr.as_str(), |(h, _)| h);
        let dispatcher = Arc::new(Dispatcher::new(manager.clone(), ip.to_string()));
        tokio::spawn(dispatcher.clone().watch_liveness(stop_rx.clone()));
        tokio::spawn(crate::renewal::run(
            home.swarm_dir(),
            crate::renewal::Renewer::Local(manager.clone()),
            Box::new(|_| {}),
            stop_rx.clone(),
        ));
        tokio::spawn(crate::role_watch::remove_demoted_voters(
            manager.clone(),
            raft.clone(),
            stop_rx.clone(),
        ));
        tokio::spawn(crate::autolock_sync::follow(
            home.events.clone(),
            manager.clone(),
            home.swarm_dir().join("raft"),
            stop_rx.clone(),
        ));
        tokio::spawn(crate::role_watch::watch_own_demotion(
            home.events.clone(),
            manager.clone(),
            raft.clone(),
            stop_rx.clone(),
        ));
        let rpc = match crate::node_rpc::start_server(
            &home.swarm_dir(),
            &identity.listen_addr,
            manager.clone(),
            raft.clone(),
            dispatcher.clone(),
        )
        .await
        {
            Ok(s) => s,
            Err(e) => {
                let _ = stop.send(true);
                return Err(e);
            }
        };
        let (rpc_stop, tls) = match rpc {
            Some((s, t)) => (Some(s), Some(t)),
            None => (None, None),
        };
        tokio::spawn(shoal_manager::ca_rotation::leader_loop(
            manager.clone(),
            stop_rx.clone(),
        ));
        tokio::spawn(crate::cert_follow::follow_local(
            manager.clone(),
            home.swarm_dir(),
            tls,
            stop_rx.clone(),
        ));
        Ok(ManagerParts {
            manager,
            raft,
            dispatcher,
            stop,
            recon,
            rpc_stop,
        })
    }
}

impl WorkerParts {
    /// Starts a worker's connection to its managers.
    pub(crate) fn start(home: &Home, identity: &Identity) -> Result<WorkerParts, ManagerError> {
        let certs = pki::load(&home.swarm_dir())?;
        let dispatcher = Arc::new(
            RemoteDispatcher::new(&identity.manager_addr, certs)?
                .with_managers_file(home.swarm_dir().join("managers.json")),
        );
        let (stop, stop_rx) = watch::channel(false);
        let reconnect = {
            let dispatcher = dispatcher.clone();
            Box::new(move |certs: &pki::NodeCerts| dispatcher.use_certs(certs.clone()))
        };
        tokio::spawn(crate::renewal::run(
            home.swarm_dir(),
            crate::renewal::Renewer::Remote(identity.manager_addr.clone()),
            reconnect,
            stop_rx.clone(),
        ));
        tokio::spawn(crate::cert_follow::follow_remote(
            dispatcher.clone(),
            home.swarm_dir(),
            stop_rx.clone(),
        ));
        tokio::spawn(crate::role_watch::watch_own_promotion(
            home.events.clone(),
            dispatcher.desired_role(),
            stop_rx,
        ));
        Ok(WorkerParts { dispatcher, stop })
    }
}

impl ManagerParts {
    /// The manager's dispatcher as this node's agent talks to it (in process).
    pub(crate) fn agent_dispatcher(&self) -> Arc<dyn shoal_agent::DispatcherApi> {
        Arc::new(crate::local_dispatcher::LocalDispatcher(
            self.dispatcher.clone(),
        ))
    }

    /// Stops the loops, the RPC server and raft (flushing it).
    pub(crate) async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.recon.await;
        if let Some(stop) = self.rpc_stop {
            let _ = stop.send(true);
        }
        if let Err(e) = self.raft.shutdown().await {
            tracing::warn!("raft shutdown: {e}");
        }
    }
}

impl WorkerParts {
    /// Stops the worker's loops.
    pub(crate) fn stop(self) {
        let _ = self.stop.send(true);
    }
}
