//! Translation of a [`TaskRun`] into the engine's container configuration.

use std::collections::HashMap;

use bollard::models::{ContainerCreateBody, HostConfig, PortBinding};

use crate::{labels, TaskRun};

/// The labels identifying the task's container: the user's labels, then ours (ours win, so a
/// user label cannot hide a container from adoption or `running_tasks`).
pub(crate) fn container_labels(run: &TaskRun) -> HashMap<String, String> {
    let mut out = run.labels.clone();
    for (key, value) in [
        (labels::SERVICE_ID, &run.service_id),
        (labels::SERVICE_NAME, &run.service_name),
        (labels::TASK_ID, &run.task_id),
        (labels::TASK_NAME, &run.task_name),
        (labels::NODE_ID, &run.node_id),
    ] {
        out.insert(key.to_string(), value.clone());
    }
    out.insert(labels::MANAGED.to_string(), "true".to_string());
    out
}

/// The create-container body for `run`. Empty command/args keep the image's own
/// `ENTRYPOINT`/`CMD`, as in Docker.
pub(crate) fn container_body(run: &TaskRun) -> ContainerCreateBody {
    let non_empty = |v: &Vec<String>| (!v.is_empty()).then(|| v.clone());
    let non_blank = |s: &Option<String>| s.clone().filter(|s| !s.is_empty());
    ContainerCreateBody {
        image: Some(run.image.clone()),
        entrypoint: non_empty(&run.command),
        cmd: non_empty(&run.args),
        env: non_empty(&run.env),
        working_dir: non_blank(&run.dir),
        user: non_blank(&run.user),
        hostname: non_blank(&run.hostname),
        labels: Some(container_labels(run)),
        healthcheck: super::health::config(run.healthcheck.as_ref()),
        exposed_ports: (!run.host_ports.is_empty())
            .then(|| run.host_ports.iter().map(port_key).collect()),
        host_config: Some(host_config(run)),
        networking_config: super::networks::networking_config(&run.networks),
        ..Default::default()
    }
}

/// The engine's `"<target>/<protocol>"` key of a port.
fn port_key(p: &crate::HostPort) -> String {
    let proto = if p.protocol.is_empty() {
        "tcp"
    } else {
        &p.protocol
    };
    format!("{}/{proto}", p.target)
}

/// Host-mode ports bound on every address of the node, as swarmkit's container adapter does.
fn port_bindings(run: &TaskRun) -> Option<HashMap<String, Option<Vec<PortBinding>>>> {
    let mut out: HashMap<String, Option<Vec<PortBinding>>> = HashMap::new();
    for p in &run.host_ports {
        out.entry(port_key(p))
            .or_default()
            .get_or_insert_with(Vec::new)
            .push(PortBinding {
                host_ip: None,
                host_port: Some(p.published.to_string()),
            });
    }
    (!out.is_empty()).then_some(out)
}

/// The engine enforces the limits (as swarmkit asks it to): unset ones stay absent so the
/// engine's defaults apply.
fn host_config(run: &TaskRun) -> HostConfig {
    let set = |v: i64| (v > 0).then_some(v);
    HostConfig {
        nano_cpus: set(run.limits.nano_cpus),
        memory: set(run.limits.memory_bytes),
        pids_limit: set(run.limits.pids),
        memory_reservation: set(run.memory_reservation),
        port_bindings: port_bindings(run),
        network_mode: run.networks.first().map(|n| n.engine_name()),
        // The node's resolver, on the first network with names: the engine's own resolver
        // in the container forwards it what it does not know, from the container's address.
        dns: run
            .networks
            .iter()
            .find(|n| !n.ingress && !n.gateway.is_empty())
            .map(|n| vec![n.gateway.clone()]),
        ..Default::default()
    }
}

/// Splits an image reference into the `fromImage` and `tag` pull parameters. A missing tag means
/// `latest`: an empty tag would make the engine pull *every* tag of the repository.
pub(crate) fn pull_reference(image: &str) -> (String, Option<String>) {
    if image.contains('@') {
        // A digest pins the image; the engine takes it inside fromImage.
        return (image.to_string(), None);
    }
    let last_component_start = image.rfind('/').map_or(0, |i| i + 1);
    match image[last_component_start..].rfind(':') {
        Some(i) => {
            let split = last_component_start + i;
            (
                image[..split].to_string(),
                Some(image[split + 1..].to_string()),
            )
        }
        None => (image.to_string(), Some("latest".to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Limits;

    fn run_with(limits: Limits, memory_reservation: i64) -> TaskRun {
        TaskRun {
            task_id: "t".into(),
            task_name: "s.1.t".into(),
            service_id: "sid".into(),
            service_name: "s".into(),
            node_id: "n".into(),
            slot: 1,
            image: "busybox".into(),
            command: Vec::new(),
            args: Vec::new(),
            env: Vec::new(),
            dir: None,
            user: None,
            hostname: None,
            labels: HashMap::new(),
            stop_grace: crate::DEFAULT_STOP_GRACE,
            healthcheck: None,
            limits,
            memory_reservation,
            ..Default::default()
        }
    }

    #[test]
    fn host_ports_are_exposed_and_bound() {
        let mut run = run_with(Limits::default(), 0);
        run.host_ports = vec![
            crate::HostPort {
                protocol: "tcp".into(),
                target: 80,
                published: 8080,
            },
            crate::HostPort {
                protocol: "udp".into(),
                target: 53,
                published: 5353,
            },
        ];
        let body = container_body(&run);
        let exposed = body.exposed_ports.expect("exposed");
        assert_eq!(exposed, vec!["80/tcp".to_string(), "53/udp".to_string()]);
        let bindings = body.host_config.unwrap().port_bindings.expect("bindings");
        let b = bindings["80/tcp"].as_ref().unwrap();
        assert_eq!(b[0].host_port.as_deref(), Some("8080"));
        assert_eq!(
            bindings["53/udp"].as_ref().unwrap()[0].host_port.as_deref(),
            Some("5353")
        );
    }

    #[test]
    fn limits_go_to_the_host_config_only_when_set() {
        let limits = Limits {
            nano_cpus: 500_000_000,
            memory_bytes: 64 << 20,
            pids: 0,
        };
        let hc = container_body(&run_with(limits, 32 << 20))
            .host_config
            .expect("host config");
        assert_eq!(hc.nano_cpus, Some(500_000_000));
        assert_eq!(hc.memory, Some(64 << 20));
        assert_eq!(hc.pids_limit, None);
        assert_eq!(hc.memory_reservation, Some(32 << 20));
        let hc = container_body(&run_with(Limits::default(), 0))
            .host_config
            .expect("host config");
        assert_eq!((hc.nano_cpus, hc.memory, hc.pids_limit), (None, None, None));
    }

    #[test]
    fn pull_reference_defaults_to_latest() {
        assert_eq!(
            pull_reference("busybox"),
            ("busybox".into(), Some("latest".into()))
        );
        assert_eq!(
            pull_reference("busybox:1.36"),
            ("busybox".into(), Some("1.36".into()))
        );
        assert_eq!(
            pull_reference("reg:5000/team/app"),
            ("reg:5000/team/app".into(), Some("latest".into()))
        );
        assert_eq!(
            pull_reference("reg:5000/team/app:v2"),
            ("reg:5000/team/app".into(), Some("v2".into()))
        );
        assert_eq!(
            pull_reference("app@sha256:abcd"),
            ("app@sha256:abcd".into(), None)
        );
    }
}
