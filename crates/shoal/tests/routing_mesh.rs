//! The routing mesh on one node, with each executor, driven by the stock docker CLI: a port
//! published in ingress mode answers on the node's addresses (loopback included) and spreads
//! connections over the service's tasks; scaling and removing the service follow, and
//! leaving the swarm removes what the node put in the kernel. Needs root, nftables and (for
//! the docker executor) the machine's Docker Engine; CI has them, elsewhere it skips, saying
//! so.

mod common;

use common::{ensure_test_image, free_port, wait_for, Daemon, TEST_IMAGE};
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// One HTTP GET; the body's last line (which task answered), or why it failed.
fn get(addr: SocketAddr) -> Result<String, String> {
    let mut s =
        TcpStream::connect_timeout(&addr, Duration::from_secs(2)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    s.write_all(b"GET / HTTP/1.0\r\n\r\n")
        .map_err(|e| e.to_string())?;
    let mut text = String::new();
    s.read_to_string(&mut text).map_err(|e| e.to_string())?;
    if !text.starts_with("HTTP/1.") || !text.contains(" 200 ") {
        return Err(format!("unexpected answer: {text:?}"));
    }
    Ok(text
        .trim_end()
        .lines()
        .last()
        .unwrap_or_default()
        .to_string())
}

/// The answers of `n` requests; panics on the first failure.
fn answers(addr: SocketAddr, n: usize) -> BTreeSet<String> {
    (0..n)
        .map(|i| get(addr).unwrap_or_else(|e| panic!("request {i} to {addr}: {e}")))
        .collect()
}

/// The host's first non-loopback address.
fn node_address() -> String {
    let out = Command::new("hostname")
        .arg("-I")
        .output()
        .expect("hostname -I");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .expect("the host has an address")
        .to_string()
}

fn table_exists(node_id: &str) -> bool {
    let out = Command::new("nft")
        .args(["list", "tables", "ip"])
        .output()
        .expect("nft");
    String::from_utf8_lossy(&out.stdout).contains(&format!("shoal_{}", &node_id[..12]))
}

fn container_of(task_id: &str) -> String {
    let out = Command::new("docker")
        .env_remove("DOCKER_HOST")
        .args([
            "ps",
            "-q",
            "--filter",
            &format!("label=com.docker.swarm.task.id={task_id}"),
        ])
        .output()
        .expect("docker ps");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn device_exists(name: &str) -> bool {
    std::path::Path::new("/sys/class/net").join(name).exists()
}

/// What a task answers: its container's hostname (docker), its address on ingress
/// (process: the task runs in its own namespace with that address).
fn identities(d: &Daemon, executor: &str, service: &str) -> BTreeSet<String> {
    d.running_tasks(service)
        .iter()
        .map(|t| match executor {
            // The container's hostname: its ID's first 12 characters.
            "docker" => container_of(t["ID"].as_str().unwrap_or_default()),
            _ => t["NetworksAttachments"][0]["Addresses"][0]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        })
        .collect()
}

fn the_mesh_answers(executor: &str, pool: &str) {
    let name = format!("routing_mesh_{executor}");
    if (executor == "docker" && common::skip_without_docker(&name))
        || shoal_testbed::prereq::skip_without_nftables(&name)
    {
        return;
    }
    ensure_test_image();
    let d = Daemon::start(executor);
    // An address pool of its own: the bridges of concurrent swarms must not overlap.
    d.docker_ok(&["swarm", "init", "--default-addr-pool", pool]);
    let node_id = d.get_json("/info")["Swarm"]["NodeID"]
        .as_str()
        .unwrap()
        .to_string();
    let port = free_port();
    let published = format!("{port}:80");
    let script = match executor {
        "docker" => "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 80 -h /www",
        _ => "d=$(mktemp -d) && ip -4 -o addr show eth0 | awk '{print $4}' > $d/index.html && exec busybox httpd -f -p 80 -h $d",
    };
    d.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "web",
        "--replicas",
        "2",
        "-p",
        &published,
        TEST_IMAGE,
        "sh",
        "-c",
        script,
    ]);
    d.wait_running("web", 2);
    let mut tasks = BTreeSet::new();
    wait_for("both tasks' identities", Duration::from_secs(30), || {
        tasks = identities(&d, executor, "web");
        tasks.len() == 2 && tasks.iter().all(|t| !t.is_empty())
    });

    for host in ["127.0.0.1".to_string(), node_address()] {
        let addr: SocketAddr = format!("{host}:{port}").parse().unwrap();
        // The rules follow the tasks' start within a view update: wait for both to answer.
        let mut seen = BTreeSet::new();
        wait_for(
            &format!("both tasks answering on {addr}"),
            Duration::from_secs(30),
            || {
                seen.extend(get(addr).ok());
                seen == tasks
            },
        );
        assert_eq!(
            answers(addr, 50),
            tasks,
            "50 requests to {addr} reach both tasks"
        );
    }

    // Scaled down under a steady stream of requests: the task being removed leaves the
    // load balancer before it stops, so no request fails; then the remaining task takes
    // every request.
    let local: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let load = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let (mut n, mut failures) = (0, Vec::new());
            while !stop.load(Ordering::Relaxed) {
                if let Err(e) = get(local) {
                    failures.push(e);
                }
                n += 1;
            }
            (n, failures)
        })
    };
    d.docker_ok(&["service", "scale", "-d", "web=1"]);
    d.wait_running("web", 1);
    let left = identities(&d, executor, "web");
    wait_for(
        "only the remaining task answering",
        Duration::from_secs(30),
        || (0..10).all(|_| get(local).is_ok_and(|who| left.contains(&who))),
    );
    stop.store(true, Ordering::Relaxed);
    let (n, failures) = load.join().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {n} requests failed during the scale-down: {failures:?}",
        failures.len()
    );

    // Removed: the port no longer answers, and the network's bridge goes with the last task.
    let ingress_id = d.get_json("/networks/ingress")["Id"]
        .as_str()
        .unwrap()
        .to_string();
    let bridge = format!("shl-{}", &ingress_id[..11]);
    assert!(device_exists(&bridge), "{bridge} on the node");
    d.docker_ok(&["service", "rm", "web"]);
    wait_for("the published port closed", Duration::from_secs(30), || {
        get(local).is_err()
    });
    wait_for(
        "the network's bridge removed",
        Duration::from_secs(30),
        || !device_exists(&bridge),
    );

    // Leaving the swarm removes the node's table.
    assert!(table_exists(&node_id));
    d.docker_ok(&["swarm", "leave", "--force"]);
    wait_for(
        "the node's nftables table removed",
        Duration::from_secs(30),
        || !table_exists(&node_id),
    );
}

#[test]
fn with_the_docker_executor_a_published_port_answers_on_every_address_over_both_tasks() {
    the_mesh_answers("docker", "10.231.0.0/16");
}

#[test]
fn with_the_process_executor_each_task_has_its_namespace_and_the_port_answers_over_both() {
    the_mesh_answers("process", "10.232.0.0/16");
}

/// `docker stack deploy` with `ports:`, then `service update --publish-add` and
/// `--publish-rm` (which removes by target port, as in Docker): the mesh follows each change.
#[test]
fn a_stack_publishes_its_ports_and_publish_add_and_rm_follow() {
    let name = "routing_mesh_stack";
    if shoal_testbed::prereq::skip_without_nftables(name) {
        return;
    }
    ensure_test_image();
    let d = Daemon::start("process");
    d.docker_ok(&["swarm", "init", "--default-addr-pool", "10.238.0.0/16"]);
    let (first, second) = (free_port(), free_port());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("stack.yml");
    std::fs::write(
        &file,
        format!(
            r#"version: "3.8"
services:
  web:
    image: busybox
    command: sh -c 'd=$$(mktemp -d) && hostname -I > $$d/index.html && exec busybox httpd -f -p 80 -h $$d'
    deploy:
      replicas: 2
    ports:
      - "{first}:80"
    networks: [front]
networks:
  front:
    driver: overlay
"#
        ),
    )
    .unwrap();
    d.docker_ok(&["stack", "deploy", "-c", file.to_str().unwrap(), "app"]);
    d.wait_running("app_web", 2);
    let at = |port: u16| -> SocketAddr { format!("127.0.0.1:{port}").parse().unwrap() };
    let both = |port: u16| {
        let mut seen = BTreeSet::new();
        wait_for(
            &format!("both tasks answering on port {port}"),
            Duration::from_secs(30),
            || {
                seen.extend(get(at(port)).ok());
                seen.len() == 2
            },
        );
    };
    both(first);

    d.docker_ok(&[
        "service",
        "update",
        "-d",
        "--publish-add",
        &format!("{second}:80"),
        "app_web",
    ]);
    both(second);

    // `--publish-rm` removes by target port (Docker's rule): both ports go.
    d.docker_ok(&["service", "update", "-d", "--publish-rm", "80", "app_web"]);
    for port in [first, second] {
        wait_for(
            &format!("port {port} closed"),
            Duration::from_secs(30),
            || get(at(port)).is_err(),
        );
    }
}
