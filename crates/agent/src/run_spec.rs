//! Turning a task into what an executor runs.

use shoal_api::defaults::stop_grace_nanos;
use shoal_api::Task;
use shoal_executor::TaskRun;
use std::time::Duration;

/// The service name is the task name's first dot-separated part (service names have no dots).
fn service_name(task: &Task) -> String {
    task.name.split('.').next().unwrap_or_default().to_string()
}

pub fn task_run(task: &Task) -> TaskRun {
    let c = &task.spec.container_spec;
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    TaskRun {
        task_id: task.id.clone(),
        task_name: task.name.clone(),
        service_id: task.service_id.clone(),
        service_name: service_name(task),
        node_id: task.node_id.clone(),
        slot: task.slot,
        image: c.image.clone(),
        command: c.command.clone(),
        args: c.args.clone(),
        env: c.env.clone(),
        dir: non_empty(&c.dir),
        user: non_empty(&c.user),
        hostname: non_empty(&c.hostname),
        labels: c.labels.clone().into_iter().collect(),
        stop_grace: Duration::from_nanos(stop_grace_nanos(c).max(0) as u64),
        healthcheck: c.extra.get("Healthcheck").cloned(),
    }
}
