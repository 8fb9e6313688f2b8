//! The orchestrators: keep each service's tasks matching its spec.
//!
//! `replicated` keeps N slots filled, `global` one task per eligible node; both share the
//! per-slot logic in `slot` (restarts, replacement of tasks on lost nodes, stop-first updates).
//! `job` runs replicated and global jobs to completion.

mod global;
mod job;
mod replicated;
mod slot;

pub use slot::is_dirty;

use crate::index::TasksByService;
use crate::plan::Plan;
use shoal_api::ids::IdSource;
use shoal_api::{ModeKind, Timestamp};
use shoal_store::State;

/// Runs the orchestrator of every service.
pub fn run(
    state: &State,
    tasks: &TasksByService,
    now: Timestamp,
    ids: &mut dyn IdSource,
    plan: &mut Plan,
) {
    for service in state.services.values() {
        match service.spec.mode.kind() {
            ModeKind::Replicated(n) => {
                replicated::reconcile(state, tasks, service, n, now, ids, plan)
            }
            ModeKind::Global => global::reconcile(state, tasks, service, now, ids, plan),
            ModeKind::ReplicatedJob {
                max_concurrent,
                total,
            } => job::reconcile_replicated(
                state,
                tasks,
                service,
                max_concurrent,
                total,
                now,
                ids,
                plan,
            ),
            ModeKind::GlobalJob => job::reconcile_global(state, tasks, service, now, ids, plan),
        }
    }
}
