//! The dispatcher a node's agent talks to, switchable at run time: the in-process one while
//! the node is a manager, a remote one while it is a worker. Switching ends the current
//! assignment stream, so the agent reconnects through the new dispatcher and keeps its
//! running tasks (promotion and demotion restart nothing).

use shoal_agent::{Assignments, DispatcherApi, DispatcherError, StatusUpdate};
use shoal_api::logs::{LogMessage, NodeLogSubscription};
use shoal_api::NodeDescription;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

pub struct SwitchDispatcher {
    inner: RwLock<Arc<dyn DispatcherApi>>,
    generation: watch::Sender<u64>,
}

impl SwitchDispatcher {
    pub fn new(inner: Arc<dyn DispatcherApi>) -> SwitchDispatcher {
        SwitchDispatcher {
            inner: RwLock::new(inner),
            generation: watch::channel(0).0,
        }
    }

    /// Routes every call to `inner` from now on and closes the open assignment stream.
    pub fn switch(&self, inner: Arc<dyn DispatcherApi>) {
        *self.inner.write().unwrap_or_else(|p| p.into_inner()) = inner;
        self.generation.send_modify(|g| *g += 1);
    }

    fn current(&self) -> Arc<dyn DispatcherApi> {
        self.inner.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

#[async_trait::async_trait]
impl DispatcherApi for SwitchDispatcher {
    async fn register(
        &self,
        node_id: &str,
        description: NodeDescription,
        executor: &str,
    ) -> Result<(), DispatcherError> {
        self.current()
            .register(node_id, description, executor)
            .await
    }

    async fn assignments(
        &self,
        node_id: &str,
    ) -> Result<mpsc::Receiver<Assignments>, DispatcherError> {
        let mut generation = self.generation.subscribe();
        generation.borrow_and_update();
        let upstream = self.current().assignments(node_id).await?;
        Ok(until_switched(upstream, generation))
    }

    async fn network_view(
        &self,
        node_id: &str,
    ) -> Result<mpsc::Receiver<shoal_api::NetView>, DispatcherError> {
        let mut generation = self.generation.subscribe();
        generation.borrow_and_update();
        let upstream = self.current().network_view(node_id).await?;
        Ok(until_switched(upstream, generation))
    }

    async fn log_subscriptions(
        &self,
        node_id: &str,
    ) -> Result<mpsc::Receiver<Vec<NodeLogSubscription>>, DispatcherError> {
        let mut generation = self.generation.subscribe();
        generation.borrow_and_update();
        let upstream = self.current().log_subscriptions(node_id).await?;
        Ok(until_switched(upstream, generation))
    }

    async fn publish_logs(
        &self,
        node_id: &str,
        subscription_id: &str,
        messages: Vec<LogMessage>,
        close: bool,
    ) -> Result<(), DispatcherError> {
        self.current()
            .publish_logs(node_id, subscription_id, messages, close)
            .await
    }

    async fn heartbeat(&self, node_id: &str) -> Result<Duration, DispatcherError> {
        self.current().heartbeat(node_id).await
    }

    async fn report(
        &self,
        node_id: &str,
        updates: Vec<StatusUpdate>,
    ) -> Result<(), DispatcherError> {
        self.current().report(node_id, updates).await
    }
}

/// Passes `upstream` on until the dispatcher is switched (or the receiver dropped); then the
/// stream ends, so the agent reconnects through the new dispatcher.
fn until_switched<T: Send + 'static>(
    mut upstream: mpsc::Receiver<T>,
    mut generation: watch::Receiver<u64>,
) -> mpsc::Receiver<T> {
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        loop {
            tokio::select! {
                item = upstream.recv() => {
                    let Some(item) = item else { return };
                    if tx.send(item).await.is_err() {
                        return;
                    }
                }
                _ = generation.changed() => return,
            }
        }
    });
    rx
}
