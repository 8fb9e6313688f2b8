//! The leader's control loop: whenever the state changes (or a restart delay ends), run the
//! pure core over it and propose the resulting plan.
//!
//! Level-triggered: each pass looks at the whole state, so a lost wake-up or a refused op is
//! healed by the next pass instead of leaving a service half-converged.

use crate::ids::RandomIds;
use crate::manager::Manager;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Runs until `stop` fires.
pub async fn run(manager: Arc<Manager>, mut stop: watch::Receiver<bool>) {
    let mut changes = manager.store.subscribe();
    let mut leader = manager.proposer.leader_watch();
    let mut ids = RandomIds;
    loop {
        if *stop.borrow() {
            return;
        }
        let mut wake_at = None;
        if manager.proposer.is_leader() && !manager.proposer.is_ready_leader() {
            // Newly elected, still applying what its predecessor committed: look again soon.
            wake_at = Some(manager.now().plus(Duration::from_millis(20)));
        } else if manager.proposer.is_ready_leader() {
            changes.borrow_and_update();
            let allocating = manager.allocation.lock().await;
            let plan = {
                let state = manager.read();
                shoal_core::reconcile(&state, manager.now(), &mut ids)
            };
            wake_at = plan.wake_at;
            if !plan.is_empty() {
                let proposed = manager.propose(plan.into_ops()).await;
                drop(allocating);
                match proposed {
                    Ok(results) if results.iter().any(|r| r.is_ok()) => continue,
                    Ok(_) => {}
                    Err(e) => tracing::warn!("reconciler: proposal failed: {e}"),
                }
            }
        }
        let timer = async {
            match wake_at {
                Some(at) => {
                    let d = at.since(manager.now()).max(Duration::from_millis(1));
                    tokio::time::sleep(d).await
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = changes.changed() => {}
            _ = leader.changed() => {}
            _ = timer => {}
            _ = stop.changed() => {}
        }
    }
}
