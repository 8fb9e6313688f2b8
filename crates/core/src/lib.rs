//! Deterministic orchestration: what should change, given the state and the time.
//!
//! [`reconcile`] runs the manager's pipeline once over a read-only [`State`]: the replicated
//! and global orchestrators (with the restart supervisor and the rolling updater), the job
//! orchestrators, the scheduler, the task reaper and the update monitor. It returns a [`Plan`]: store operations to propose through
//! raft and the time at which to look again. No clock, no I/O, no randomness except through
//! the injected id source, so tests drive it with a manual clock and sequential ids.

pub mod index;
pub mod ipam;
pub mod liveness;
pub mod netview;
pub mod orchestrator;
pub mod placement;
pub mod plan;
pub mod reaper;
pub mod restart;
pub mod scheduler;
pub mod slots;
pub mod status;
pub mod update_config;
pub mod update_status;

pub use plan::Plan;

use shoal_api::ids::IdSource;
use shoal_api::Timestamp;
use shoal_store::State;

/// Runs one full pass of the control loop and returns the decisions.
pub fn reconcile(state: &State, now: Timestamp, ids: &mut dyn IdSource) -> Plan {
    let mut plan = Plan::default();
    let tasks = index::TasksByService::new(state);
    // Failure actions first, so a failing update updates no further slot in this pass.
    update_status::check_failures(state, &tasks, now, &mut plan);
    orchestrator::run(state, &tasks, now, ids, &mut plan);
    ipam::attach_new_tasks(state, &mut plan);
    ipam::attach_nodes(state, &mut plan);
    scheduler::schedule(state, now, &mut plan);
    reaper::reap(state, &tasks, &mut plan);
    update_status::check_complete(state, &tasks, now, &mut plan);
    plan
}
