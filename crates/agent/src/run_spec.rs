//! Turning a task into what an executor runs.

use base64::Engine as _;
use shoal_api::defaults::stop_grace_nanos;
use shoal_api::{Task, TaskResources};
use shoal_executor::{HostPort, Limits, TaskFile, TaskRun};
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
        files: files(task),
    }
}

/// The task's secrets and configs with their data (the dispatcher fills `ShoalData` in the
/// copy it sends to the node): secrets at `/run/secrets/<File.Name>` unless absolute, configs
/// at `File.Name` (from `/`), read-only (0444) unless a mode is given.
pub fn files(task: &Task) -> Vec<TaskFile> {
    let c = &task.spec.container_spec;
    let mut out = Vec::new();
    for (key, base) in [("Secrets", "/run/secrets/"), ("Configs", "/")] {
        let Some(refs) = c.extra.get(key).and_then(|v| v.as_array()) else {
            continue;
        };
        for r in refs {
            let Some(file) = r.get("File") else { continue };
            let name = file
                .get("Name")
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            let data = r
                .get("ShoalData")
                .and_then(|v| v.as_str())
                .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok());
            let (false, Some(data)) = (name.is_empty(), data) else {
                continue;
            };
            let id = |k: &str| {
                file.get(k)
                    .and_then(|v| v.as_str())
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0)
            };
            let path = if name.starts_with('/') {
                name.to_string()
            } else {
                format!("{base}{name}")
            };
            out.push(TaskFile {
                path,
                data,
                uid: id("UID"),
                gid: id("GID"),
                mode: file.get("Mode").and_then(|v| v.as_u64()).unwrap_or(0o444) as u32,
            });
        }
    }
    out
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

    #[test]
    fn secrets_and_configs_become_files_with_their_data() {
        let mut task = Task::default();
        task.spec.container_spec.extra.insert(
            "Secrets".into(),
            serde_json::json!([
                {"File": {"Name": "db_pw", "UID": "0", "GID": "0", "Mode": 256},
                 "SecretID": "s1", "SecretName": "db_pw", "ShoalData": "czNjcmV0"},
                {"File": {"Name": "no_data"}, "SecretID": "s2"}
            ]),
        );
        task.spec.container_spec.extra.insert(
            "Configs".into(),
            serde_json::json!([
                {"File": {"Name": "/etc/app.conf", "UID": "10", "GID": "20"},
                 "ConfigID": "c1", "ShoalData": "YQ=="}
            ]),
        );
        let files = files(&task);
        assert_eq!(
            files,
            vec![
                TaskFile {
                    path: "/run/secrets/db_pw".into(),
                    data: b"s3cret".to_vec(),
                    uid: 0,
                    gid: 0,
                    mode: 0o400,
                },
                TaskFile {
                    path: "/etc/app.conf".into(),
                    data: b"a".to_vec(),
                    uid: 10,
                    gid: 20,
                    mode: 0o444,
                },
            ]
        );
    }
}
