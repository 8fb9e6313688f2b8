//! `ServiceStatus` for `GET /services?status=true`: running, desired and completed counts.

use shoal_api::{ModeKind, Service, ServiceStatus, TaskState};
use shoal_store::State;

pub fn service_status(state: &State, service: &Service) -> ServiceStatus {
    let tasks: Vec<_> = state.tasks_of_service(&service.id).collect();
    let running = tasks
        .iter()
        .filter(|t| t.status.state == TaskState::Running && t.desired_state <= TaskState::Running)
        .count() as u64;
    let completed = tasks
        .iter()
        .filter(|t| t.status.state == TaskState::Complete)
        .count() as u64;
    let desired = match service.spec.mode.kind() {
        ModeKind::Replicated(n) => n,
        ModeKind::ReplicatedJob { max_concurrent, .. } => max_concurrent,
        ModeKind::Global | ModeKind::GlobalJob => tasks
            .iter()
            .filter(|t| t.desired_state == TaskState::Running)
            .count() as u64,
    };
    ServiceStatus {
        running_tasks: running,
        desired_tasks: desired,
        completed_tasks: completed,
    }
}
