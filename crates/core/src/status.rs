//! `ServiceStatus` for `GET /services?status=true`: running, desired and completed counts.

use shoal_api::{ModeKind, Service, ServiceStatus, TaskState};
use shoal_store::State;

pub fn service_status(state: &State, service: &Service) -> ServiceStatus {
    // A job counts only the tasks of its current iteration.
    let iteration = service.job_status.as_ref().map(|j| j.job_iteration);
    let tasks: Vec<_> = state
        .tasks_of_service(&service.id)
        .filter(|t| iteration.is_none() || t.job_iteration == iteration)
        .collect();
    let running = tasks
        .iter()
        .filter(|t| t.status.state == TaskState::Running && t.desired_state.is_runnable())
        .count() as u64;
    let completed = tasks
        .iter()
        .filter(|t| t.status.state == TaskState::Complete)
        .count() as u64;
    let desired = match service.spec.mode.kind() {
        ModeKind::Replicated(n) => n,
        // What may run now: swarmkit reports MaxConcurrent even once the job is done;
        // shoal says how many are still wanted, so a finished job reads `0/0 (5/5 completed)`.
        ModeKind::ReplicatedJob {
            max_concurrent,
            total,
        } => max_concurrent.min(total.saturating_sub(completed)),
        ModeKind::Global => tasks
            .iter()
            .filter(|t| t.desired_state == TaskState::Running)
            .count() as u64,
        ModeKind::GlobalJob => tasks
            .iter()
            .filter(|t| {
                t.desired_state == TaskState::Complete && t.status.state != TaskState::Complete
            })
            .count() as u64,
    };
    ServiceStatus {
        running_tasks: running,
        desired_tasks: desired,
        completed_tasks: completed,
    }
}
