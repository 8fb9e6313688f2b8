//! The orchestrators: keep each service's tasks matching its spec.
//!
//! `replicated` keeps N slots filled, `global` one task per eligible node; both share the
//! per-slot logic in `slot` (restarts, replacement of tasks on lost nodes, stop-first updates).

mod global;
mod replicated;
mod slot;

pub use slot::is_dirty;

use crate::plan::Plan;
use shoal_api::ids::IdSource;
use shoal_api::{ModeKind, Timestamp};
use shoal_store::State;

/// Runs the orchestrator of every service.
pub fn run(state: &State, now: Timestamp, ids: &mut dyn IdSource, plan: &mut Plan) {
    for service in state.services.values() {
        match service.spec.mode.kind() {
            ModeKind::Replicated(n) => replicated::reconcile(state, service, n, now, ids, plan),
            ModeKind::Global => global::reconcile(state, service, now, ids, plan),
            // Jobs are refused at the API until their orchestrator exists.
            ModeKind::ReplicatedJob { .. } | ModeKind::GlobalJob => {}
        }
    }
}
