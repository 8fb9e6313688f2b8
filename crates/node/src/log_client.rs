//! `service logs` from a worker: the subscription sets its manager streams to it, and the
//! lines it publishes back (the manager's side is `shoal_manager::log_rpc`).

use shoal_agent::DispatcherError;
use shoal_api::logs::{LogMessage, NodeLogSubscription};
use shoal_manager::log_broker::Published;
use shoal_manager::log_rpc::to_pb;
use shoal_rpc::pb;
use tokio::sync::mpsc;

/// A worker's side: its subscription sets from the manager's stream.
pub async fn open_sets(
    channel: tonic::transport::Channel,
    node_id: &str,
) -> Result<mpsc::Receiver<Vec<NodeLogSubscription>>, DispatcherError> {
    let req = pb::LogSubscriptionsRequest {
        node_id: node_id.to_string(),
    };
    let stream = shoal_rpc::client::dispatcher(channel)
        .log_subscriptions(req)
        .await
        .map_err(|s| DispatcherError::Unavailable(s.message().to_string()))?
        .into_inner();
    Ok(crate::relay::relay(
        stream,
        |msg: &pb::LogSubscriptionSet| serde_json::from_slice(&msg.subscriptions_json).ok(),
    ))
}

/// A worker's side: sends lines for a subscription.
pub async fn publish(
    channel: tonic::transport::Channel,
    node_id: &str,
    subscription_id: &str,
    messages: Vec<LogMessage>,
    close: bool,
) -> Result<(), DispatcherError> {
    let published = Published {
        node_id: node_id.to_string(),
        messages,
        close,
    };
    let req = to_pb(subscription_id, published)
        .map_err(|s| DispatcherError::Unavailable(s.message().to_string()))?;
    shoal_rpc::client::dispatcher(channel)
        .publish_logs(req)
        .await
        .map_err(|s| DispatcherError::Unavailable(s.message().to_string()))?;
    Ok(())
}
