//! The dispatcher: the manager's side of agent sessions. It registers nodes, streams each
//! node its assigned tasks whenever they change, and commits the agents' status reports.

use crate::error::DispatchError;
use crate::log_broker::Published;
use crate::manager::Manager;
use shoal_api::logs::{LogMessage, NodeLogSubscription};
use shoal_api::Timestamp;
use shoal_api::{Assignments, StatusUpdate};
use shoal_api::{NodeDescription, NodeState, NodeStatus, Task, TaskState};
use shoal_store::{Op, State};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

pub struct Dispatcher {
    manager: Arc<Manager>,
    addr: String,
    /// When each node's agent was last heard from (kept in memory, per manager).
    last_seen: Mutex<HashMap<String, Timestamp>>,
    /// When each node's session last closed (leader's view): a crashed node's connection
    /// closes at once, so it is down long before its heartbeats are overdue.
    closed: Mutex<HashMap<String, Timestamp>>,
}

impl Dispatcher {
    pub fn new(manager: Arc<Manager>, addr: String) -> Dispatcher {
        Dispatcher {
            manager,
            addr,
            last_seen: Mutex::new(HashMap::new()),
            closed: Mutex::new(HashMap::new()),
        }
    }

    /// A node's session on this manager closed: the leader records it, a follower tells the
    /// leader.
    pub async fn session_closed(&self, node_id: &str) {
        if self.manager.proposer.is_leader() {
            self.note_closed(node_id);
        } else {
            let _ = self.forward(node_id, true).await;
        }
    }

    /// Leader: records that `node_id`'s session closed now.
    pub fn note_closed(&self, node_id: &str) {
        self.closed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(node_id.to_string(), self.manager.now());
    }

    fn seen(&self, node_id: &str) {
        self.last_seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(node_id.to_string(), self.manager.now());
    }

    /// The cluster's heartbeat period.
    pub fn period(&self) -> Duration {
        let nanos = self
            .manager
            .read()
            .cluster
            .as_ref()
            .map_or(shoal_api::cluster::DEFAULT_HEARTBEAT_NANOS, |c| {
                c.spec.dispatcher.heartbeat_period
            });
        Duration::from_nanos(nanos.max(100_000_000) as u64)
    }

    /// Leader only: marks down the nodes whose heartbeats stopped, until `stop` fires.
    pub async fn watch_liveness(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let mut leader = self.manager.proposer.leader_watch();
        let mut leader_since = self.manager.now();
        loop {
            let period = self.period();
            tokio::select! {
                _ = tokio::time::sleep(period / 4) => {}
                _ = leader.changed() => { leader_since = self.manager.now(); continue; }
                _ = stop.changed() => return,
            }
            if !self.manager.proposer.is_leader() {
                continue;
            }
            let ops = {
                let seen = self
                    .last_seen
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .clone();
                let closed = self
                    .closed
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .clone();
                shoal_core::liveness::expired(
                    &self.manager.read(),
                    &shoal_core::liveness::Heard {
                        seen: &seen,
                        closed: &closed,
                        leader_since,
                    },
                    self.manager.now(),
                    period,
                )
            };
            if !ops.is_empty() {
                if let Err(e) = self.manager.propose(ops).await {
                    tracing::warn!("liveness: cannot mark nodes down: {e}");
                }
            }
        }
    }

    fn unavailable(e: impl std::fmt::Display) -> DispatchError {
        DispatchError::Unavailable(e.to_string())
    }
}

/// Whether `t` is one of the tasks `node_id` must know about: placed on it and not yet
/// deleted.
fn is_assigned(t: &Task, node_id: &str) -> bool {
    t.node_id == node_id && t.status.state >= TaskState::Assigned
}

/// What makes an assignment set different for the agent: membership and desired states.
/// Read from the state without copying a task, since it is checked on every change.
fn fingerprint(st: &State, node_id: &str) -> Vec<(String, TaskState)> {
    st.tasks
        .values()
        .filter(|t| is_assigned(t, node_id))
        .map(|t| (t.id.clone(), t.desired_state))
        .collect()
}

/// The node's assignments, each task with its secrets' and configs' data: built only when
/// the fingerprint changed.
fn assigned(st: &State, node_id: &str) -> Assignments {
    st.tasks
        .values()
        .filter(|t| is_assigned(t, node_id))
        .map(|t| crate::control::references::assignment(st, t))
        .collect()
}

impl Dispatcher {
    pub fn manager(&self) -> &Arc<Manager> {
        &self.manager
    }

    /// Sends a node's heartbeat to the leader's dispatcher; None if it cannot be reached.
    async fn forward_heartbeat(&self, node_id: &str) -> Option<Duration> {
        self.forward(node_id, false).await
    }

    /// A heartbeat (or a closed session) for the leader's dispatcher.
    async fn forward(&self, node_id: &str, session_closed: bool) -> Option<Duration> {
        let leader = self.manager.proposer.current_leader()?;
        let addr = self
            .manager
            .proposer
            .members()
            .into_iter()
            .find(|(id, _)| *id == leader)?
            .1;
        let ch = self.manager.peers.as_ref()?.channel(&addr).ok()?;
        let resp = shoal_rpc::client::dispatcher(ch)
            .heartbeat(shoal_rpc::pb::HeartbeatRequest {
                node_id: node_id.to_string(),
                session_closed,
            })
            .await
            .ok()?;
        Some(Duration::from_nanos(
            resp.into_inner().period_nanos.max(0) as u64
        ))
    }

    /// Registers a node seen at `addr` (its IP as the manager sees it).
    pub async fn register_at(
        &self,
        node_id: &str,
        description: NodeDescription,
        executor: &str,
        addr: &str,
    ) -> Result<(), DispatchError> {
        // Only nodes the swarm knows may open a session: a removed node stays out even
        // though its certificate is still valid.
        let existing = self.manager.read().nodes.get(node_id).cloned();
        let mut node = existing.ok_or_else(|| DispatchError::UnknownNode(node_id.to_string()))?;
        // The local agent knows nothing of certificates: keep what the manager reported.
        let tls_info = if description.tls_info.trust_root.is_empty() {
            node.description.tls_info.clone()
        } else {
            description.tls_info.clone()
        };
        node.description = description;
        node.description.tls_info = tls_info;
        node.executor = executor.to_string();
        self.seen(node_id);
        node.status = NodeStatus {
            state: NodeState::Ready,
            message: String::new(),
            addr: addr.to_string(),
        };
        self.manager
            .propose(vec![Op::PutNode(Box::new(node))])
            .await
            .map_err(Self::unavailable)?;
        // Registered through a follower (a restarted manager's own agent, say): tell the
        // leader the node is alive now, or its liveness check, which has not heard from the
        // node since it took over, may mark it down right after it turned ready.
        if !self.manager.proposer.is_leader() {
            let _ = self.forward_heartbeat(node_id).await;
        }
        Ok(())
    }
}

/// The agent-facing calls. The node crate adapts them to the agent's `DispatcherApi`; the
/// node RPC serves them to remote agents.
impl Dispatcher {
    /// Announces a node at this manager's address and marks it ready.
    pub async fn register(
        &self,
        node_id: &str,
        description: NodeDescription,
        executor: &str,
    ) -> Result<(), DispatchError> {
        let addr = self.addr.clone();
        self.register_at(node_id, description, executor, &addr)
            .await
    }

    pub async fn assignments(
        &self,
        node_id: &str,
    ) -> Result<mpsc::Receiver<Assignments>, DispatchError> {
        // Compared by fingerprint; the assignments (with secret data) are built only when it
        // changed.
        self.follow(node_id, |st, node_id, last| {
            let fp = fingerprint(st, node_id);
            (last != Some(&fp)).then(|| {
                let set = assigned(st, node_id);
                (fp, set)
            })
        })
    }

    /// The node's networking view now and after every change to it.
    pub async fn network_view(
        &self,
        node_id: &str,
    ) -> Result<mpsc::Receiver<shoal_api::NetView>, DispatchError> {
        self.follow(node_id, |st, node_id, last| {
            let view = shoal_core::netview::net_view(st, node_id);
            (last != Some(&view)).then(|| (view.clone(), view))
        })
    }

    /// A stream of what `next` makes of the state for `node_id`, checked after every commit:
    /// `next` gets the key it returned last and returns a new key and item only on a change.
    fn follow<K, T>(
        &self,
        node_id: &str,
        next: impl Fn(&State, &str, Option<&K>) -> Option<(K, T)> + Send + 'static,
    ) -> Result<mpsc::Receiver<T>, DispatchError>
    where
        K: Send + 'static,
        T: Send + 'static,
    {
        if !self.manager.read().nodes.contains_key(node_id) {
            return Err(DispatchError::UnknownNode(node_id.to_string()));
        }
        let (tx, rx) = mpsc::channel(4);
        let manager = self.manager.clone();
        let node_id = node_id.to_string();
        tokio::spawn(async move {
            let mut changes = manager.store.subscribe();
            let mut last: Option<K> = None;
            loop {
                changes.borrow_and_update();
                let changed = next(&manager.read(), &node_id, last.as_ref());
                if let Some((key, item)) = changed {
                    if tx.send(item).await.is_err() {
                        return;
                    }
                    last = Some(key);
                }
                tokio::select! {
                    r = changes.changed() => if r.is_err() { return },
                    _ = tx.closed() => return,
                }
            }
        });
        Ok(rx)
    }

    pub async fn heartbeat(&self, node_id: &str) -> Result<Duration, DispatchError> {
        // Liveness is judged by the leader: a follower passes its nodes' heartbeats on.
        // A follower that cannot reach the leader says so rather than counting the beat
        // itself: only the leader's record keeps a node up, and the agent retries.
        if !self.manager.proposer.is_leader() {
            return self.forward_heartbeat(node_id).await.ok_or_else(|| {
                DispatchError::Unavailable("no leader to take the heartbeat".into())
            });
        }
        let status = self
            .manager
            .read()
            .nodes
            .get(node_id)
            .map(|n| n.status.state);
        match status {
            None => Err(DispatchError::UnknownNode(node_id.to_string())),
            Some(state) => {
                self.seen(node_id);
                // A node marked down (or not yet ready) that is heard from is ready.
                if state != NodeState::Ready {
                    let addr = self
                        .manager
                        .read()
                        .nodes
                        .get(node_id)
                        .map(|n| n.status.addr.clone());
                    let status = NodeStatus {
                        state: NodeState::Ready,
                        message: String::new(),
                        addr: addr.unwrap_or_default(),
                    };
                    self.manager
                        .propose(vec![Op::SetNodeStatus {
                            id: node_id.to_string(),
                            status,
                        }])
                        .await
                        .map_err(Self::unavailable)?;
                }
                Ok(self.period())
            }
        }
    }

    pub async fn log_subscriptions(
        &self,
        node_id: &str,
    ) -> Result<mpsc::Receiver<Vec<NodeLogSubscription>>, DispatchError> {
        let (tx, rx) = mpsc::channel(4);
        let manager = self.manager.clone();
        let node_id = node_id.to_string();
        tokio::spawn(async move {
            let mut subs = manager.logs.watch();
            // Tasks matter too: a follow on a service takes in its new tasks.
            let mut changes = manager.store.subscribe();
            let mut last = None;
            loop {
                subs.borrow_and_update();
                changes.borrow_and_update();
                let set = manager.logs.for_node(&manager.read(), &node_id);
                if last.as_ref() != Some(&set) {
                    if tx.send(set.clone()).await.is_err() {
                        return;
                    }
                    last = Some(set);
                }
                tokio::select! {
                    r = subs.changed() => if r.is_err() { return },
                    r = changes.changed() => if r.is_err() { return },
                    _ = tx.closed() => return,
                }
            }
        });
        Ok(rx)
    }

    pub async fn publish_logs(
        &self,
        node_id: &str,
        subscription_id: &str,
        messages: Vec<LogMessage>,
        close: bool,
    ) -> Result<(), DispatchError> {
        let published = Published {
            node_id: node_id.to_string(),
            messages,
            close,
        };
        if self.manager.logs.publish(subscription_id, published).await {
            Ok(())
        } else {
            Err(DispatchError::Unavailable(format!(
                "log subscription {subscription_id} is over"
            )))
        }
    }

    pub async fn report(
        &self,
        _node_id: &str,
        updates: Vec<StatusUpdate>,
    ) -> Result<(), DispatchError> {
        let ops = updates
            .into_iter()
            .map(|u| Op::SetTaskStatus {
                id: u.task_id,
                status: u.status,
            })
            .collect();
        // Refused ops (a task deleted meanwhile, a stale state) are fine to drop.
        self.manager.propose(ops).await.map_err(Self::unavailable)?;
        Ok(())
    }
}
