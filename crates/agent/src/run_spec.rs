//! Turning a task into what an executor runs.

use shoal_api::defaults::stop_grace_nanos;
use shoal_api::{Task, TaskResources};
use shoal_executor::{HostPort, Limits, TaskRun};
use std::time::Duration;

/// The service name is the task name's first dot-separated part (service names have no dots).
fn service_name(task: &Task) -> String {
    task.name.split('.').next().unwrap_or_default().to_string()
}

pub fn task_run(task: &Task) -> TaskRun {
    let c = &task.spec.container_spec;
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let resources = TaskResources::of(&task.spec);
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
        limits: Limits {
            nano_cpus: resources.limits.nano_cpus,
            memory_bytes: resources.limits.memory_bytes,
            pids: resources.limits.pids,
        },
        memory_reservation: resources.reservations.memory_bytes,
        host_ports: host_ports(task),
    }
}

/// The task's host-mode published ports (from the endpoint it was made with).
pub fn host_ports(task: &Task) -> Vec<HostPort> {
    task.endpoint
        .iter()
        .flat_map(|e| e.spec.ports.iter())
        .filter(|p| p.publish_mode == "host")
        .filter_map(|p| {
            let published = p.published_port.filter(|n| *n > 0)?;
            Some(HostPort {
                protocol: if p.protocol.is_empty() {
                    "tcp".into()
                } else {
                    p.protocol.clone()
                },
                target: p.target_port,
                published,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carries_limits_and_the_memory_reservation() {
        let mut task = Task {
            name: "web.1.abc".into(),
            ..Default::default()
        };
        let resources = r#"{"Limits": {"NanoCPUs": 500000000, "MemoryBytes": 67108864, "Pids": 9},
                            "Reservations": {"NanoCPUs": 1, "MemoryBytes": 1048576}}"#;
        task.spec.resources = Some(serde_json::from_str(resources).expect("json"));
        let run = task_run(&task);
        assert_eq!(
            run.limits,
            Limits {
                nano_cpus: 500_000_000,
                memory_bytes: 64 << 20,
                pids: 9
            }
        );
        assert_eq!(run.memory_reservation, 1 << 20);
        assert_eq!(task_run(&Task::default()).limits, Limits::default());
    }
}
