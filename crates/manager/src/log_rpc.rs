//! `service logs` over node RPC: the streams the manager serves (a node's subscriptions, a
//! subscription relayed from another manager) and their messages. The calls a worker's
//! agent makes are the node's (`shoal_node::log_client`).

use crate::log_broker::{Published, Subscription};
use shoal_api::logs::{LogMessage, NodeLogSubscription};
use shoal_rpc::pb;
use std::pin::Pin;
use tokio::sync::mpsc;
use tokio_stream::Stream;
use tonic::Status;

pub type SetStream = Pin<Box<dyn Stream<Item = Result<pb::LogSubscriptionSet, Status>> + Send>>;
pub type PublishStream = Pin<Box<dyn Stream<Item = Result<pb::PublishLogsRequest, Status>> + Send>>;

/// A node's subscription sets as the `LogSubscriptions` stream.
pub fn set_stream(rx: mpsc::Receiver<Vec<NodeLogSubscription>>) -> SetStream {
    Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
        let set = rx.recv().await?;
        let item = serde_json::to_vec(&set)
            .map(|subscriptions_json| pb::LogSubscriptionSet { subscriptions_json })
            .map_err(|e| Status::internal(e.to_string()));
        Some((item, rx))
    }))
}

/// What the nodes connected to this manager publish for a relayed subscription; the
/// subscription lasts as long as the stream (the calling manager hangs up when done).
pub fn relay_stream(sub: Subscription) -> PublishStream {
    Box::pin(futures_util::stream::unfold(sub, |mut sub| async move {
        let p = sub.rx.recv().await?;
        let id = sub.id.clone();
        Some((to_pb(&id, p), sub))
    }))
}

pub fn to_pb(subscription_id: &str, p: Published) -> Result<pb::PublishLogsRequest, Status> {
    let messages_json =
        serde_json::to_vec(&p.messages).map_err(|e| Status::internal(e.to_string()))?;
    Ok(pb::PublishLogsRequest {
        node_id: p.node_id,
        subscription_id: subscription_id.to_string(),
        messages_json,
        close: p.close,
    })
}

pub fn from_pb(r: pb::PublishLogsRequest) -> Result<(String, Published), Status> {
    let messages: Vec<LogMessage> = serde_json::from_slice(&r.messages_json)
        .map_err(|e| Status::invalid_argument(format!("log messages: {e}")))?;
    Ok((
        r.subscription_id,
        Published {
            node_id: r.node_id,
            messages,
            close: r.close,
        },
    ))
}
