//! The agent's side of the data plane: follows the node's networking views and hands each
//! to the node's [`DataPlane`], which programs the kernel.

use crate::dispatcher_api::DispatcherApi;
use shoal_api::NetView;
use std::sync::Arc;
use std::time::Duration;

/// Programs a node's networking (bridges, load-balancing rules) from its views.
#[async_trait::async_trait]
pub trait DataPlane: Send + Sync {
    /// Brings the node in line with `view` (every view is complete).
    async fn apply(&self, view: &NetView) -> Result<(), String>;
    /// Removes everything the plane put in the kernel (the node leaves the swarm).
    async fn clear(&self) -> Result<(), String>;
}

/// Applies the node's views for as long as the agent runs (abort it to stop). A view that
/// fails to apply is tried again, with back-off, until it applies or a newer one comes.
pub async fn view_loop(
    dispatcher: Arc<dyn DispatcherApi>,
    node_id: String,
    plane: Arc<dyn DataPlane>,
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
                Ok(()) => backoff = Duration::from_millis(100),
                Err(e) => {
                    tracing::warn!("data plane: applying the networking view failed: {e}");
                    pending = Some(view);
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
    }
}
