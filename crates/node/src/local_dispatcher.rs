//! The agent of a manager node talks to its own manager's dispatcher in process: this adapts
//! the manager's [`Dispatcher`] to the agent's [`DispatcherApi`], so that neither crate knows
//! the other.

use shoal_agent::{Assignments, DispatcherApi, DispatcherError, StatusUpdate};
use shoal_api::logs::{LogMessage, NodeLogSubscription};
use shoal_api::NodeDescription;
use shoal_manager::{DispatchError, Dispatcher};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

pub struct LocalDispatcher(pub Arc<Dispatcher>);

fn agent_error(e: DispatchError) -> DispatcherError {
    match e {
        DispatchError::Unavailable(m) => DispatcherError::Unavailable(m),
        DispatchError::UnknownNode(n) => DispatcherError::UnknownNode(n),
    }
}

#[async_trait::async_trait]
impl DispatcherApi for LocalDispatcher {
    async fn register(
        &self,
        node_id: &str,
        description: NodeDescription,
        executor: &str,
    ) -> Result<(), DispatcherError> {
        self.0
            .register(node_id, description, executor)
            .await
            .map_err(agent_error)
    }

    async fn assignments(
        &self,
        node_id: &str,
    ) -> Result<mpsc::Receiver<Assignments>, DispatcherError> {
        self.0.assignments(node_id).await.map_err(agent_error)
    }

    async fn heartbeat(&self, node_id: &str) -> Result<Duration, DispatcherError> {
        self.0.heartbeat(node_id).await.map_err(agent_error)
    }

    async fn report(
        &self,
        node_id: &str,
        updates: Vec<StatusUpdate>,
    ) -> Result<(), DispatcherError> {
        self.0.report(node_id, updates).await.map_err(agent_error)
    }

    async fn network_view(
        &self,
        node_id: &str,
    ) -> Result<mpsc::Receiver<shoal_api::NetView>, DispatcherError> {
        self.0.network_view(node_id).await.map_err(agent_error)
    }

    async fn log_subscriptions(
        &self,
        node_id: &str,
    ) -> Result<mpsc::Receiver<Vec<NodeLogSubscription>>, DispatcherError> {
        self.0.log_subscriptions(node_id).await.map_err(agent_error)
    }

    async fn publish_logs(
        &self,
        node_id: &str,
        subscription_id: &str,
        messages: Vec<LogMessage>,
        close: bool,
    ) -> Result<(), DispatcherError> {
        self.0
            .publish_logs(node_id, subscription_id, messages, close)
            .await
            .map_err(agent_error)
    }
}
