//! The agent's session: register the node, follow the assignment stream, keep one runner
//! per assigned task, and forward status reports to the dispatcher in batches.

use crate::dispatcher_api::{Assignments, DispatcherApi, DispatcherError, StatusUpdate};
use crate::runner::{self, Want};
use shoal_api::{EngineDescription, NodeDescription, Platform, Resources};
use shoal_executor::Executor;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// How the agent ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Daemon shutdown: containers keep running (adopted on restart); host processes stop.
    Daemon,
    /// The node leaves the swarm: every task is stopped and removed.
    Leave,
}

pub struct AgentConfig {
    pub node_id: String,
    pub hostname: Option<String>,
    pub engine_labels: HashMap<String, String>,
    pub executor: Arc<dyn Executor>,
    pub dispatcher: Arc<dyn DispatcherApi>,
    /// Programs the node's networking from its views; `None`: the node leaves networking to
    /// the executor's defaults.
    pub data_plane: Option<Arc<dyn shoal_net::DataPlane>>,
}

pub struct Agent;

struct Slot {
    wants: watch::Sender<Want>,
    join: JoinHandle<()>,
}

impl Agent {
    async fn describe(cfg: &AgentConfig) -> NodeDescription {
        let facts = cfg.executor.describe().await.unwrap_or_default();
        let mut labels: shoal_api::Labels = facts.engine_labels.into_iter().collect();
        labels.extend(cfg.engine_labels.clone());
        NodeDescription {
            hostname: cfg.hostname.clone().unwrap_or(facts.hostname),
            platform: Platform {
                architecture: facts.arch,
                os: facts.os,
            },
            resources: Resources {
                nano_cpus: facts.nano_cpus,
                memory_bytes: facts.memory_bytes,
            },
            engine: EngineDescription {
                engine_version: facts.engine_version,
                labels,
                plugins: Vec::new(),
            },
            // Filled in by the node's side of the session (it knows the certificates).
            tls_info: Default::default(),
        }
    }

    /// Registers and opens the assignment stream, retrying with back-off; `None` if `stop`
    /// fired meanwhile.
    async fn connect(
        cfg: &AgentConfig,
        description: &NodeDescription,
        stop: &mut watch::Receiver<Option<Stop>>,
    ) -> Option<mpsc::Receiver<Assignments>> {
        let kind = cfg.executor.kind();
        let mut retry = Duration::from_millis(50);
        loop {
            let attempt = async {
                cfg.dispatcher
                    .register(&cfg.node_id, description.clone(), kind)
                    .await?;
                cfg.dispatcher.assignments(&cfg.node_id).await
            };
            match attempt.await {
                Ok(rx) => return Some(rx),
                Err(e) => {
                    tracing::warn!("agent: cannot reach the dispatcher ({e}); retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(retry) => {}
                        _ = stop.changed() => return None,
                    }
                    retry = (retry * 2).min(Duration::from_secs(2));
                }
            }
        }
    }

    /// Runs until `stop` carries a value; returns once every runner that had to stop has.
    /// Tasks keep running while the dispatcher is unreachable; the session is reopened and
    /// the runners reconciled with the new assignment set.
    pub async fn run(cfg: AgentConfig, mut stop: watch::Receiver<Option<Stop>>) {
        let description = Agent::describe(&cfg).await;
        let kind = cfg.executor.kind();
        let Some(mut assignments) = Agent::connect(&cfg, &description, &mut stop).await else {
            // Stopped before the first session: a leave still owes the node its clean-up
            // (containers adopted from before a restart are not yet known to any runner).
            if *stop.borrow() == Some(Stop::Leave) {
                remove_leftovers(&cfg).await;
            }
            return;
        };
        let adoptable: HashSet<String> = cfg
            .executor
            .running_tasks(&cfg.node_id)
            .await
            .unwrap_or_default()
            .into_iter()
            .collect();
        let (report_tx, report_rx) = mpsc::unbounded_channel();
        let reporter = tokio::spawn(report_loop(
            cfg.dispatcher.clone(),
            cfg.node_id.clone(),
            report_rx,
        ));
        let heartbeats = tokio::spawn(heartbeat_loop(
            cfg.dispatcher.clone(),
            cfg.node_id.clone(),
            description.clone(),
            kind,
        ));
        let logs = tokio::spawn(crate::logs::log_loop(
            cfg.executor.clone(),
            cfg.dispatcher.clone(),
            cfg.node_id.clone(),
        ));
        let (in_service_tx, in_service) = watch::channel(Default::default());
        let views = cfg.data_plane.clone().map(|plane| {
            tokio::spawn(crate::data_plane::view_loop(
                cfg.dispatcher.clone(),
                cfg.node_id.clone(),
                plane,
                in_service_tx,
            ))
        });
        let mut slots: HashMap<String, Slot> = HashMap::new();
        let how = loop {
            tokio::select! {
                set = assignments.recv() => match set {
                    Some(set) => apply(&cfg, &mut slots, set, &adoptable, &report_tx, &in_service),
                    None => {
                        tracing::warn!("agent: assignment stream ended; reconnecting");
                        match Agent::connect(&cfg, &description, &mut stop).await {
                            Some(rx) => assignments = rx,
                            None => break (*stop.borrow()).unwrap_or(Stop::Daemon),
                        }
                    }
                },
                changed = stop.changed() => {
                    let how = if changed.is_ok() { *stop.borrow() } else { Some(Stop::Daemon) };
                    if let Some(how) = how { break how; }
                }
            }
        };
        let halt_tasks = how == Stop::Leave || kind == "process";
        // Stop every task at once (each may take its whole grace period), then wait for all.
        let mut joins = Vec::new();
        for (_, slot) in slots.drain() {
            if halt_tasks {
                let leave = how == Stop::Leave;
                slot.wants.send_modify(|w| {
                    w.halt = true;
                    w.gone = leave;
                });
                joins.push(slot.join);
            } else {
                slot.join.abort();
            }
        }
        for j in joins {
            let _ = j.await;
        }
        if let Some(v) = views {
            v.abort();
        }
        if how == Stop::Leave {
            remove_leftovers(&cfg).await;
        }
        drop(report_tx);
        reporter.abort();
        heartbeats.abort();
        logs.abort();
    }
}

/// Removes everything the executor still holds for this node (`swarm leave`).
async fn remove_leftovers(cfg: &AgentConfig) {
    if let Err(e) = cfg.executor.remove_all(&cfg.node_id).await {
        tracing::warn!("agent: removing this node's leftovers: {e}");
    }
    if let Some(plane) = &cfg.data_plane {
        if let Err(e) = plane.clear().await {
            tracing::warn!("agent: removing this node's networking: {e}");
        }
    }
}

/// Brings the runners in line with a new assignment set.
fn apply(
    cfg: &AgentConfig,
    slots: &mut HashMap<String, Slot>,
    set: Assignments,
    adoptable: &HashSet<String>,
    report: &mpsc::UnboundedSender<StatusUpdate>,
    in_service: &crate::data_plane::InService,
) {
    let ids: HashSet<&str> = set.iter().map(|a| a.task.id.as_str()).collect();
    slots.retain(|id, slot| {
        if ids.contains(id.as_str()) {
            return true;
        }
        slot.wants.send_modify(|w| w.gone = true);
        false
    });
    for assignment in set {
        let task = &assignment.task;
        match slots.get(&task.id) {
            Some(slot) => {
                slot.wants.send_if_modified(|w| {
                    let changed = w.desired != task.desired_state;
                    w.desired = task.desired_state;
                    changed
                });
            }
            None => {
                let (tx, rx) = watch::channel(Want::desired(task.desired_state));
                let adopt = adoptable.contains(&task.id);
                let id = task.id.clone();
                let join = tokio::spawn(runner::run(
                    assignment,
                    adopt,
                    cfg.executor.clone(),
                    rx,
                    report.clone(),
                    in_service.clone(),
                ));
                slots.insert(id, Slot { wants: tx, join });
            }
        }
    }
}

/// Sends status updates in batches: whatever queued up while the previous call was in flight.
async fn report_loop(
    dispatcher: Arc<dyn DispatcherApi>,
    node_id: String,
    mut rx: mpsc::UnboundedReceiver<StatusUpdate>,
) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < 10_000 {
            match rx.try_recv() {
                Ok(u) => batch.push(u),
                Err(_) => break,
            }
        }
        let mut retry = Duration::from_millis(50);
        loop {
            match dispatcher.report(&node_id, batch.clone()).await {
                Ok(()) => break,
                Err(e) => {
                    tracing::warn!("agent: status report failed ({e}); retrying");
                    tokio::time::sleep(retry).await;
                    retry = (retry * 2).min(Duration::from_secs(2));
                }
            }
        }
    }
}

/// Keeps the node alive in the dispatcher's eyes; re-registers when the dispatcher no longer
/// knows it (e.g. it was marked down while unreachable).
async fn heartbeat_loop(
    dispatcher: Arc<dyn DispatcherApi>,
    node_id: String,
    description: shoal_api::NodeDescription,
    kind: &'static str,
) {
    let mut period = Duration::from_secs(1);
    loop {
        // Up to 10% early, so many agents do not beat in lockstep.
        let jitter = (shoal_api::Timestamp::now().0.unsigned_abs() % 100) as u32;
        tokio::time::sleep(period * (900 + jitter) / 1000).await;
        match dispatcher.heartbeat(&node_id).await {
            Ok(p) => period = p,
            Err(DispatcherError::UnknownNode(_)) => {
                if let Err(e) = dispatcher
                    .register(&node_id, description.clone(), kind)
                    .await
                {
                    tracing::warn!("agent: re-registering failed: {e}");
                }
            }
            Err(e) => tracing::warn!("agent: heartbeat failed: {e}"),
        }
    }
}
