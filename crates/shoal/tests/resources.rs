//! Reservations and host-mode ports through the stock docker CLI (process executor, one
//! node): a task reserving more CPU than is left waits with Swarm's explanation and runs
//! once the reservation shrinks; a second task publishing the same host port on the node
//! waits too; `service inspect --pretty` shows both.

mod common;

use common::{free_port, wait_for, Daemon};
use std::time::Duration;

/// `(current state word, error)` of the service's tasks meant to run.
fn states(d: &Daemon, service: &str) -> Vec<(String, String)> {
    d.docker_ok(&[
        "service",
        "ps",
        service,
        "--no-trunc",
        "--filter",
        "desired-state=running",
        "--format",
        "{{.CurrentState}}|{{.Error}}",
    ])
    .lines()
    .map(|l| {
        let (state, err) = l.split_once('|').unwrap_or((l, ""));
        (
            state.split(' ').next().unwrap_or("").to_string(),
            err.trim_matches('"').to_string(),
        )
    })
    .collect()
}

fn count(v: &[(String, String)], state: &str, err: &str) -> usize {
    v.iter().filter(|(s, e)| s == state && e == err).count()
}

#[test]
fn reservations_and_host_ports_through_the_docker_cli() {
    let d = Daemon::start("process");
    d.docker_ok(&["swarm", "init"]);
    let cpus = d.docker_ok(&[
        "node",
        "inspect",
        "self",
        "--format",
        "{{.Description.Resources.NanoCPUs}}",
    ]);
    let cpus: i64 = cpus.trim().parse().expect("NanoCPUs");
    assert!(cpus >= 1_000_000_000, "the agent reports its CPUs: {cpus}");
    // Each task reserves more than half the node: one fits, the other waits.
    let reserve = format!("{:.3}", cpus as f64 / 1e9 * 0.6);
    d.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "big",
        "--replicas",
        "2",
        "--reserve-cpu",
        &reserve,
        "--stop-grace-period",
        "1s",
        "busybox",
        "sleep",
        "100000",
    ]);
    wait_for("one running, one pending", Duration::from_secs(30), || {
        let s = states(&d, "big");
        count(&s, "Running", "") == 1
            && count(
                &s,
                "Pending",
                "no suitable node (insufficient resources on 1 node)",
            ) == 1
    });
    let pretty = d.docker_ok(&["service", "inspect", "--pretty", "big"]);
    assert!(pretty.contains("Reservations:"), "{pretty}");
    // Less per task: both fit.
    d.docker_ok(&["service", "update", "-d", "--reserve-cpu", "0.1", "big"]);
    wait_for("both running", Duration::from_secs(30), || {
        count(&states(&d, "big"), "Running", "") == 2
    });

    // Two tasks publishing the same host port cannot share the node.
    let port = free_port().to_string();
    d.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "hp",
        "--replicas",
        "2",
        "--publish",
        &format!("mode=host,published={port},target=80"),
        "--stop-grace-period",
        "1s",
        "busybox",
        "sleep",
        "100000",
    ]);
    wait_for(
        "one port holder, one waiting",
        Duration::from_secs(30),
        || {
            let s = states(&d, "hp");
            count(&s, "Running", "") == 1
                && count(
                    &s,
                    "Pending",
                    "no suitable node (host-mode port already in use on 1 node)",
                ) == 1
        },
    );
    let pretty = d.docker_ok(&["service", "inspect", "--pretty", "hp"]);
    assert!(pretty.contains(&port), "{pretty}");
    // Scaled to one, nothing waits any more.
    d.docker_ok(&["service", "scale", "-d", "hp=1"]);
    wait_for("no pending task", Duration::from_secs(30), || {
        let s = states(&d, "hp");
        s.len() == 1 && count(&s, "Running", "") == 1
    });
}

/// A host-mode port with the docker executor: the engine binds it on the node, a request to
/// it reaches the task's server, and `service ps` shows it.
#[test]
fn docker_task_publishes_its_host_mode_port() {
    if common::skip_without_docker("docker_task_publishes_its_host_mode_port") {
        return;
    }
    common::ensure_test_image();
    let d = Daemon::start("docker");
    d.docker_ok(&["swarm", "init"]);
    let port = free_port();
    d.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "site",
        "--publish",
        &format!("mode=host,published={port},target=8000"),
        "--stop-grace-period",
        "1s",
        common::TEST_IMAGE,
        "sh",
        "-c",
        "mkdir -p /www && echo hello-from-shoal > /www/index.html && httpd -f -p 8000 -h /www",
    ]);
    d.wait_running("site", 1);
    let ports = d.docker_ok(&["service", "ps", "site", "--format", "{{.Ports}}"]);
    assert!(
        ports.contains(&format!("*:{port}->8000/tcp")),
        "service ps ports: {ports}"
    );
    let mut body = String::new();
    wait_for(
        "the page through the host port",
        Duration::from_secs(30),
        || {
            body = http_get(port).unwrap_or_default();
            body.contains("hello-from-shoal")
        },
    );
}

/// A plain HTTP/1.0 GET of `/` on 127.0.0.1:`port`.
fn http_get(port: u16) -> Option<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    s.write_all(b"GET / HTTP/1.0\r\n\r\n").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}
