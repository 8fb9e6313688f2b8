//! The agent's side of the data plane: follows the node's networking views and hands each
//! to the node's `DataPlane`, which programs the kernel.

use crate::dispatcher_api::DispatcherApi;
use shoal_api::NetView;
use shoal_net::DataPlane;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// The tasks the node's data plane sends traffic to (those in the view it applied last).
pub type InService = watch::Receiver<Arc<HashSet<String>>>;

/// How long a task being stopped waits for the data plane to stop sending it traffic: the
/// view that drops it is normally applied in milliseconds; a plane that cannot apply views
/// must not keep tasks from stopping.
pub const DRAIN_LIMIT: Duration = Duration::from_secs(2);

/// Waits (at most [`DRAIN_LIMIT`]) until `task_id` no longer takes traffic, so a task leaves
/// the load balancers before it stops (Swarm loses requests there: moby#23962).
pub async fn drained(in_service: &mut InService, task_id: &str) {
    let _ = tokio::time::timeout(
        DRAIN_LIMIT,
        in_service.wait_for(|tasks| !tasks.contains(task_id)),
    )
    .await;
}

/// The IDs of the tasks `view` sends traffic to.
fn task_ids(view: &NetView) -> Arc<HashSet<String>> {
    Arc::new(
        view.services
            .iter()
            .flat_map(|s| s.tasks.iter().map(|t| t.id.clone()))
            .collect(),
    )
}

/// Applies the node's views for as long as the agent runs (abort it to stop). A view that
/// fails to apply is tried again, with back-off, until it applies or a newer one comes.
pub async fn view_loop(
    dispatcher: Arc<dyn DispatcherApi>,
    node_id: String,
    plane: Arc<dyn DataPlane>,
    in_service: watch::Sender<Arc<HashSet<String>>>,
) {
    let mut retry = Duration::from_millis(50);
    loop {
        let mut views = match dispatcher.network_view(&node_id).await {
            Ok(rx) => {
                retry = Duration::from_millis(50);
                rx
            }
            Err(e) => {
                tracing::debug!("agent: no networking view stream ({e}); retrying");
                tokio::time::sleep(retry).await;
                retry = (retry * 2).min(Duration::from_secs(2));
                continue;
            }
        };
        let mut pending: Option<NetView> = None;
        let mut backoff = Duration::from_millis(100);
        loop {
            let next = match pending.take() {
                // A failed view: wait, unless a newer view comes first.
                Some(failed) => tokio::select! {
                    v = views.recv() => v,
                    _ = tokio::time::sleep(backoff) => Some(failed),
                },
                None => views.recv().await,
            };
            let Some(view) = next else { break };
            match plane.apply(&view).await {
                Ok(()) => {
                    backoff = Duration::from_millis(100);
                    in_service.send_replace(task_ids(&view));
                }
                Err(e) => {
                    tracing::warn!("data plane: applying the networking view failed: {e}");
                    pending = Some(view);
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
    }
}
