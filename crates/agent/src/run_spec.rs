//! Turning an assignment (a task and the data of its secrets and configs) into what an
//! executor runs.

use shoal_api::defaults::stop_grace_nanos;
use shoal_api::{Assignment, FileTarget, Reference, Task, TaskFileData, TaskResources};
use shoal_executor::{HostPort, Limits, TaskFile, TaskNetwork, TaskRun};
use std::time::Duration;

/// The service name is the task name's first dot-separated part (service names have no dots).
fn service_name(task: &Task) -> String {
    task.name.split('.').next().unwrap_or_default().to_string()
}

/// What the executor runs for an assignment: its task, with its secrets and configs.
pub fn assignment_run(assignment: &Assignment) -> TaskRun {
    TaskRun {
        files: files(assignment),
        ..task_run(&assignment.task)
    }
}

/// What the executor knows of a task without its files (enough to find it, read its logs).
pub fn task_run(task: &Task) -> TaskRun {
    let c = &task.spec.container_spec;
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let resources = TaskResources::of(task.spec.resources.as_ref());
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
        healthcheck: c.healthcheck.clone(),
        limits: Limits {
            nano_cpus: resources.limits.nano_cpus,
            memory_bytes: resources.limits.memory_bytes,
            pids: resources.limits.pids,
        },
        memory_reservation: resources.reservations.memory_bytes,
        host_ports: host_ports(task),
        files: Vec::new(),
        networks: networks(task),
    }
}

/// The networks the task joins with its address on each (those the manager attached it to
/// with an address and the network's subnet).
pub fn networks(task: &Task) -> Vec<TaskNetwork> {
    task.networks_attachments
        .iter()
        .filter_map(|a| {
            let (subnet, gateway) = a.network.subnet_and_gateway()?;
            let address = a.addresses.first()?.clone();
            let mtu = a
                .network
                .spec
                .driver_options
                .get("com.docker.network.driver.mtu")
                .and_then(|m| m.parse().ok())
                // Swarm's overlay MTU: the underlay's 1500 less VXLAN's 50 bytes.
                .or(Some(1500 - 50));
            Some(TaskNetwork {
                id: a.network.id.clone(),
                name: a.network.spec.name.clone(),
                subnet: subnet.to_string(),
                gateway: gateway.to_string(),
                address,
                ingress: a.network.spec.ingress,
                attachable: a.network.spec.attachable,
                mtu,
            })
        })
        .collect()
}

/// The task's secrets and configs with the data its assignment carries: secrets at
/// `/run/secrets/<File.Name>` unless absolute, configs at `File.Name` (from `/`),
/// read-only (0444) unless a mode is given. A reference without a file target or without
/// data (a runtime config) makes no file.
pub fn files(assignment: &Assignment) -> Vec<TaskFile> {
    let c = &assignment.task.spec.container_spec;
    let secrets = c.secrets.iter().flatten().map(|r| r as &dyn Reference);
    let configs = c.configs.iter().flatten().map(|r| r as &dyn Reference);
    let place = |base: &str, data: &[TaskFileData], r: &dyn Reference| {
        let file = r.file().filter(|f| !f.name.is_empty())?;
        let data = data.iter().find(|d| d.id == r.id())?;
        Some(task_file(base, file, data.data.clone()))
    };
    secrets
        .filter_map(|r| place("/run/secrets/", &assignment.secrets, r))
        .chain(configs.filter_map(|r| place("/", &assignment.configs, r)))
        .collect()
}

fn task_file(base: &str, file: &FileTarget, data: Vec<u8>) -> TaskFile {
    let id = |v: &Option<String>| v.as_deref().and_then(|s| s.parse().ok()).unwrap_or(0);
    TaskFile {
        path: if file.name.starts_with('/') {
            file.name.clone()
        } else {
            format!("{base}{}", file.name)
        },
        data,
        uid: id(&file.uid),
        gid: id(&file.gid),
        mode: file.mode.unwrap_or(0o444),
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
        let run = assignment_run(&Assignment::bare(task));
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
        task.spec.container_spec.secrets = Some(
            serde_json::from_value(serde_json::json!([
                {"File": {"Name": "db_pw", "UID": "0", "GID": "0", "Mode": 256},
                 "SecretID": "s1", "SecretName": "db_pw"},
                {"File": {"Name": "no_data"}, "SecretID": "s2"}
            ]))
            .expect("secrets"),
        );
        task.spec.container_spec.configs = Some(
            serde_json::from_value(serde_json::json!([
                {"File": {"Name": "/etc/app.conf", "UID": "10", "GID": "20"}, "ConfigID": "c1"}
            ]))
            .expect("configs"),
        );
        let data = |id: &str, bytes: &[u8]| TaskFileData {
            id: id.into(),
            data: bytes.to_vec(),
        };
        let assignment = Assignment {
            task,
            secrets: vec![data("s1", b"s3cret")],
            configs: vec![data("c1", b"a")],
        };
        let files = files(&assignment);
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
