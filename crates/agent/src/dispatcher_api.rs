//! What an agent needs from a manager: register, receive assignments, report task states.

use shoal_api::logs::{LogMessage, NodeLogSubscription};
use shoal_api::NodeDescription;
use tokio::sync::mpsc;

pub use shoal_api::{Assignments, StatusUpdate};

#[derive(Debug, Clone, thiserror::Error)]
pub enum DispatcherError {
    /// The manager cannot take the call now (no leader, shutting down); try again.
    #[error("dispatcher unavailable: {0}")]
    Unavailable(String),
    #[error("node {0} is not known to the swarm (it may have been removed): leave the swarm and join again")]
    UnknownNode(String),
}

/// The dispatcher's side of an agent's session.
#[async_trait::async_trait]
pub trait DispatcherApi: Send + Sync {
    /// Announces the node (hostname, platform, resources, executor) and marks it ready.
    async fn register(
        &self,
        node_id: &str,
        description: NodeDescription,
        executor: &str,
    ) -> Result<(), DispatcherError>;

    /// A stream of assignment sets for the node: the current set at once, then each change.
    async fn assignments(
        &self,
        node_id: &str,
    ) -> Result<mpsc::Receiver<Assignments>, DispatcherError>;

    /// Tells the dispatcher the node is alive; returns the period until the next heartbeat.
    async fn heartbeat(&self, node_id: &str) -> Result<std::time::Duration, DispatcherError>;

    /// Reports task state changes, in order.
    async fn report(
        &self,
        node_id: &str,
        updates: Vec<StatusUpdate>,
    ) -> Result<(), DispatcherError>;

    /// A stream of the log subscriptions the node must serve: the current set at once, then
    /// each change (a subscription that leaves the set is over).
    async fn log_subscriptions(
        &self,
        node_id: &str,
    ) -> Result<mpsc::Receiver<Vec<NodeLogSubscription>>, DispatcherError> {
        let _ = node_id;
        Err(DispatcherError::Unavailable(
            "this dispatcher serves no logs".into(),
        ))
    }

    /// A stream of the node's networking views: the current one at once, then each change.
    async fn network_view(
        &self,
        node_id: &str,
    ) -> Result<mpsc::Receiver<shoal_api::NetView>, DispatcherError> {
        let _ = node_id;
        Err(DispatcherError::Unavailable(
            "this dispatcher serves no networking view".into(),
        ))
    }

    /// Sends lines for a subscription; `close` once the node has sent all it will. An
    /// `Err` means the subscription is gone: stop sending.
    async fn publish_logs(
        &self,
        node_id: &str,
        subscription_id: &str,
        messages: Vec<LogMessage>,
        close: bool,
    ) -> Result<(), DispatcherError> {
        let _ = (node_id, subscription_id, messages, close);
        Err(DispatcherError::Unavailable(
            "this dispatcher serves no logs".into(),
        ))
    }
}
