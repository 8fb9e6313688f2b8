//! The log broker: a manager's in-memory table of `service logs` subscriptions.
//!
//! A subscription is registered by the manager serving the request (and relayed to the
//! other managers, which register it in their own broker). Every node whose log stream is
//! open on a manager is told the subscriptions that concern its tasks
//! ([`LogBroker::for_node`]); what the node publishes reaches the subscriber through the
//! broker of the manager it is connected to. Nothing here is replicated: a subscription
//! lives as long as the request that made it.

use shoal_api::logs::{LogMessage, LogSubscription, NodeLogSubscription};
use shoal_store::State;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, watch};

/// What one node sent for a subscription.
#[derive(Debug, Clone, PartialEq)]
pub struct Published {
    pub node_id: String,
    pub messages: Vec<LogMessage>,
    /// The node has sent all it will for the subscription.
    pub close: bool,
}

#[derive(Default)]
pub struct LogBroker {
    subs: Mutex<HashMap<String, (LogSubscription, mpsc::Sender<Published>)>>,
    /// Bumped whenever the set of subscriptions changes.
    changed: watch::Sender<u64>,
}

/// A registered subscription; dropping it ends the subscription everywhere it reached.
pub struct Subscription {
    pub id: String,
    pub rx: mpsc::Receiver<Published>,
    broker: Arc<LogBroker>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.broker.remove(&self.id);
    }
}

impl LogBroker {
    pub fn new() -> Arc<LogBroker> {
        Arc::new(LogBroker::default())
    }

    /// Registers `sub`; nodes learn of it through their log streams.
    pub fn subscribe(self: &Arc<Self>, sub: LogSubscription) -> Subscription {
        // Room for bursts: a node publishes batches, the reader forwards them at once.
        let (tx, rx) = mpsc::channel(256);
        let id = sub.id.clone();
        self.lock().insert(id.clone(), (sub, tx));
        self.changed.send_modify(|n| *n += 1);
        Subscription {
            id,
            rx,
            broker: self.clone(),
        }
    }

    fn remove(&self, id: &str) {
        if self.lock().remove(id).is_some() {
            self.changed.send_modify(|n| *n += 1);
        }
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<String, (LogSubscription, mpsc::Sender<Published>)>>
    {
        self.subs.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Fires when subscriptions come or go.
    pub fn watch(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// The subscriptions `node_id` must serve, each with the node's own tasks among those
    /// it selects, by id order (so an unchanged set compares equal).
    pub fn for_node(&self, state: &State, node_id: &str) -> Vec<NodeLogSubscription> {
        let mut out: Vec<NodeLogSubscription> = self
            .lock()
            .values()
            .filter_map(|(sub, _)| {
                let tasks: Vec<_> = state
                    .tasks
                    .values()
                    .filter(|t| t.node_id == node_id && sub.selects(t))
                    .cloned()
                    .collect();
                (!tasks.is_empty()).then(|| NodeLogSubscription {
                    subscription: sub.clone(),
                    tasks,
                })
            })
            .collect();
        out.sort_by(|a, b| a.subscription.id.cmp(&b.subscription.id));
        out
    }

    /// Hands what a node sent to the subscriber; false when the subscription is gone (the
    /// node should stop sending).
    pub async fn publish(&self, subscription_id: &str, published: Published) -> bool {
        let tx = self.lock().get(subscription_id).map(|(_, tx)| tx.clone());
        match tx {
            Some(tx) => tx.send(published).await.is_ok(),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shoal_api::Task;

    fn state() -> State {
        let mut st = State::default();
        for (id, node, svc) in [("t1", "n1", "s"), ("t2", "n2", "s"), ("t3", "n1", "x")] {
            st.tasks.insert(
                id.into(),
                Task {
                    id: id.into(),
                    node_id: node.into(),
                    service_id: svc.into(),
                    ..Default::default()
                },
            );
        }
        st
    }

    #[tokio::test]
    async fn nodes_see_their_own_tasks_and_subscriptions_end_when_dropped() {
        let broker = LogBroker::new();
        let mut changes = broker.watch();
        let sub = broker.subscribe(LogSubscription {
            id: "sub".into(),
            service_ids: vec!["s".into()],
            ..Default::default()
        });
        assert!(changes.has_changed().unwrap());
        changes.borrow_and_update();
        let st = state();
        let n1 = broker.for_node(&st, "n1");
        assert_eq!(n1.len(), 1);
        assert_eq!(
            n1[0]
                .tasks
                .iter()
                .map(|t| t.id.as_str())
                .collect::<Vec<_>>(),
            ["t1"]
        );
        assert!(broker.for_node(&st, "n3").is_empty());

        let published = Published {
            node_id: "n1".into(),
            messages: vec![LogMessage {
                task_id: "t1".into(),
                data: "hello\n".into(),
                ..Default::default()
            }],
            close: true,
        };
        let mut sub = sub;
        assert!(broker.publish("sub", published.clone()).await);
        assert_eq!(sub.rx.recv().await, Some(published.clone()));
        drop(sub);
        assert!(changes.has_changed().unwrap());
        assert!(broker.for_node(&st, "n1").is_empty());
        assert!(!broker.publish("sub", published).await);
    }
}
