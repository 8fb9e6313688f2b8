//! The agent's side of `service logs`: follows the node's log subscriptions and, for each,
//! reads the selected tasks' lines from the executor and publishes them in batches.
//!
//! Without `follow`, a subscription is served once (every task's lines so far) and then
//! closed; with `follow`, each task streams until the subscription leaves the set, and
//! tasks that start on the node meanwhile join in.

use crate::dispatcher_api::DispatcherApi;
use crate::run_spec::task_run;
use futures_util::{FutureExt, StreamExt};
use shoal_api::logs::{LogMessage, LogStreamKind, LogSubscription, NodeLogSubscription};
use shoal_api::{Task, Timestamp};
use shoal_executor::{Executor, LogLine, LogOptions, LogSource};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::task::JoinHandle;

/// At most this many lines go in one publish call.
const BATCH: usize = 256;

#[derive(Clone)]
struct Ctx {
    executor: Arc<dyn Executor>,
    dispatcher: Arc<dyn DispatcherApi>,
    node_id: String,
}

/// Serves the node's log subscriptions for as long as the agent runs (abort it to stop).
pub async fn log_loop(
    executor: Arc<dyn Executor>,
    dispatcher: Arc<dyn DispatcherApi>,
    node_id: String,
) {
    let ctx = Ctx {
        executor,
        dispatcher,
        node_id,
    };
    let mut retry = Duration::from_millis(50);
    loop {
        let mut sets = match ctx.dispatcher.log_subscriptions(&ctx.node_id).await {
            Ok(rx) => {
                retry = Duration::from_millis(50);
                rx
            }
            Err(e) => {
                tracing::debug!("agent: no log subscriptions stream ({e}); retrying");
                tokio::time::sleep(retry).await;
                retry = (retry * 2).min(Duration::from_secs(2));
                continue;
            }
        };
        let mut active: HashMap<String, Serving> = HashMap::new();
        while let Some(set) = sets.recv().await {
            apply(&ctx, &mut active, set);
        }
        // The stream ended (the manager went away): its subscriptions are over.
        for (_, s) in active.drain() {
            s.abort();
        }
    }
}

/// What runs for one subscription.
struct Serving {
    tasks: HashSet<String>,
    handles: Vec<JoinHandle<()>>,
}

impl Serving {
    fn abort(self) {
        for h in self.handles {
            h.abort();
        }
    }
}

fn apply(ctx: &Ctx, active: &mut HashMap<String, Serving>, set: Vec<NodeLogSubscription>) {
    let ids: HashSet<&str> = set.iter().map(|s| s.subscription.id.as_str()).collect();
    let gone: Vec<String> = active
        .keys()
        .filter(|id| !ids.contains(id.as_str()))
        .cloned()
        .collect();
    for id in gone {
        if let Some(s) = active.remove(&id) {
            s.abort();
        }
    }
    for NodeLogSubscription {
        subscription: sub,
        tasks,
    } in set
    {
        match active.get_mut(&sub.id) {
            None => {
                let serving = if sub.follow {
                    Serving {
                        tasks: tasks.iter().map(|t| t.id.clone()).collect(),
                        handles: tasks
                            .into_iter()
                            .map(|t| tokio::spawn(follow_task(ctx.clone(), sub.clone(), t)))
                            .collect(),
                    }
                } else {
                    Serving {
                        tasks: tasks.iter().map(|t| t.id.clone()).collect(),
                        handles: vec![tokio::spawn(serve_once(ctx.clone(), sub.clone(), tasks))],
                    }
                };
                active.insert(sub.id.clone(), serving);
            }
            // A follow takes in the service's tasks that start later.
            Some(serving) if sub.follow => {
                for t in tasks {
                    if serving.tasks.insert(t.id.clone()) {
                        serving.handles.push(tokio::spawn(follow_task(
                            ctx.clone(),
                            sub.clone(),
                            t,
                        )));
                    }
                }
            }
            Some(_) => {}
        }
    }
}

/// Every selected task's lines so far, one task after the other, then `close`.
async fn serve_once(ctx: Ctx, sub: LogSubscription, tasks: Vec<Task>) {
    for t in tasks {
        if !stream_task(&ctx, &sub, &t).await {
            return;
        }
    }
    let _ = ctx
        .dispatcher
        .publish_logs(&ctx.node_id, &sub.id, Vec::new(), true)
        .await;
}

async fn follow_task(ctx: Ctx, sub: LogSubscription, task: Task) {
    stream_task(&ctx, &sub, &task).await;
}

/// Publishes one task's lines; false once the subscription is gone.
async fn stream_task(ctx: &Ctx, sub: &LogSubscription, task: &Task) -> bool {
    let opts = LogOptions {
        follow: sub.follow,
        tail: sub.tail.map(|n| n as usize),
        since: sub.since.map(to_system_time),
    };
    let mut lines = match ctx.executor.logs(&task_run(task), opts).await {
        Ok(s) => s,
        Err(e) => {
            tracing::debug!("agent: logs of task {}: {e}", task.id);
            return true;
        }
    };
    let mut ended = false;
    while !ended {
        let Some(Ok(first)) = lines.next().await else {
            return true;
        };
        let mut batch = vec![message(task, &ctx.node_id, first)];
        // Whatever else is ready goes in the same call (a stream is never polled again
        // once it has ended).
        while batch.len() < BATCH {
            match lines.next().now_or_never() {
                Some(Some(Ok(line))) => batch.push(message(task, &ctx.node_id, line)),
                Some(_) => {
                    ended = true;
                    break;
                }
                None => break,
            }
        }
        if ctx
            .dispatcher
            .publish_logs(&ctx.node_id, &sub.id, batch, false)
            .await
            .is_err()
        {
            return false;
        }
    }
    true
}

fn message(task: &Task, node_id: &str, line: LogLine) -> LogMessage {
    LogMessage {
        task_id: task.id.clone(),
        node_id: node_id.to_string(),
        service_id: task.service_id.clone(),
        timestamp: from_system_time(line.timestamp),
        stream: match line.source {
            LogSource::Stdout => LogStreamKind::Stdout,
            LogSource::Stderr => LogStreamKind::Stderr,
        },
        data: String::from_utf8_lossy(&line.data).into_owned(),
    }
}

fn from_system_time(t: SystemTime) -> Timestamp {
    let nanos = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64);
    Timestamp(nanos)
}

fn to_system_time(t: Timestamp) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_nanos(t.0.max(0) as u64)
}
