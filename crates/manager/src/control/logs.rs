//! `service logs`: the lines of a service's (or one task's) tasks, gathered from the nodes
//! that run them, through whichever manager each node is connected to.
//!
//! The serving manager registers a subscription in its own broker and relays it to every
//! other manager; each node serves the subscription for its tasks and publishes to the
//! manager it is connected to, whose relay stream brings the lines here. Without `follow`,
//! the answer ends once every ready node holding a selected task said it is done (or
//! nothing arrived for [`IDLE_LIMIT`], for a node that never answers); with `follow` it
//! ends when the client hangs up.

use super::{resolve_id, ControlError};
use crate::ids::new_id;
use crate::log_broker::Subscription;
use crate::manager::Manager;
use shoal_api::logs::{LogMessage, LogSubscription};
use shoal_api::{NodeState, Timestamp};
use shoal_rpc::pb;
use shoal_store::Kind;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// A non-following request gives up on nodes that have sent nothing for this long.
pub const IDLE_LIMIT: Duration = Duration::from_secs(5);

/// Whose logs: a service or a single task (by id, name or prefix).
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    Service(&'a str),
    Task(&'a str),
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub follow: bool,
    pub tail: Option<u64>,
    pub since: Option<Timestamp>,
}

/// Starts gathering; the lines arrive on the receiver, which closes when the answer is
/// complete (never, when following, until it is dropped).
pub fn logs(
    m: &Arc<Manager>,
    target: Target<'_>,
    opts: Options,
) -> Result<mpsc::Receiver<LogMessage>, ControlError> {
    let st = m.read();
    let mut sub = LogSubscription {
        id: new_id(),
        follow: opts.follow,
        tail: opts.tail,
        since: opts.since,
        ..Default::default()
    };
    match target {
        Target::Service(r) => sub.service_ids.push(resolve_id(&st, Kind::Service, r)?),
        Target::Task(r) => sub.task_ids.push(resolve_id(&st, Kind::Task, r)?),
    }
    // The nodes that must answer before a non-following request is complete.
    let expected: HashSet<String> = st
        .tasks
        .values()
        .filter(|t| sub.selects(t) && !t.node_id.is_empty())
        .filter(|t| {
            st.nodes
                .get(&t.node_id)
                .is_some_and(|n| n.status.state == NodeState::Ready)
        })
        .map(|t| t.node_id.clone())
        .collect();
    drop(st);

    let local = m.logs.subscribe(sub.clone());
    let (stop_tx, stop_rx) = watch::channel(false);
    for (id, addr) in m.proposer.members() {
        if id != m.proposer.id() {
            tokio::spawn(relay(m.clone(), addr, sub.clone(), stop_rx.clone()));
        }
    }
    let (tx, rx) = mpsc::channel(256);
    tokio::spawn(async move {
        collect(local, expected, opts.follow, tx).await;
        // Ends the relays (and so the subscription on the other managers).
        let _ = stop_tx.send(true);
    });
    Ok(rx)
}

/// Forwards what the nodes publish to the client until the answer is complete.
async fn collect(
    mut sub: Subscription,
    mut waiting: HashSet<String>,
    follow: bool,
    tx: mpsc::Sender<LogMessage>,
) {
    if !follow && waiting.is_empty() {
        return;
    }
    loop {
        let next = tokio::select! {
            p = sub.rx.recv() => p,
            _ = tx.closed() => return,
            _ = tokio::time::sleep(IDLE_LIMIT), if !follow => {
                tracing::warn!("service logs: no answer from nodes {waiting:?}; ending without them");
                return;
            }
        };
        let Some(p) = next else { return };
        for msg in p.messages {
            if tx.send(msg).await.is_err() {
                return;
            }
        }
        if p.close {
            waiting.remove(&p.node_id);
            if !follow && waiting.is_empty() {
                return;
            }
        }
    }
}

/// Relays the subscription to the manager at `addr` and feeds what its nodes publish into
/// the local broker, until `stop` (or the subscription ends).
async fn relay(
    m: Arc<Manager>,
    addr: String,
    sub: LogSubscription,
    mut stop: watch::Receiver<bool>,
) {
    let Some(ch) = m.peers.as_ref().and_then(|p| p.channel(&addr).ok()) else {
        return;
    };
    let Ok(subscription_json) = serde_json::to_vec(&sub) else {
        return;
    };
    let mut client = shoal_rpc::client::raft(ch);
    let call = client.subscribe_logs(pb::SubscribeLogsRequest { subscription_json });
    let mut stream = tokio::select! {
        r = call => match r {
            Ok(r) => r.into_inner(),
            Err(e) => {
                tracing::debug!("service logs: manager {addr} unreachable: {}", e.message());
                return;
            }
        },
        _ = stop.changed() => return,
    };
    loop {
        let msg = tokio::select! {
            msg = stream.message() => match msg {
                Ok(Some(msg)) => msg,
                _ => return,
            },
            _ = stop.changed() => return,
        };
        let Ok((id, published)) = crate::log_rpc::from_pb(msg) else {
            continue;
        };
        if !m.logs.publish(&id, published).await {
            return;
        }
    }
}
