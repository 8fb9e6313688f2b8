//! The routing mesh on one node with the docker executor, driven by the stock docker CLI:
//! a port published in ingress mode answers on the node's addresses (loopback included) and
//! spreads connections over the service's tasks; scaling and removing the service follow.
//! Needs the machine's Docker Engine, root and nftables (CI has them; elsewhere it skips,
//! saying so).

mod common;

use common::{ensure_test_image, free_port, wait_for, Daemon, TEST_IMAGE};
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::Duration;

/// One HTTP GET; the body's last line (the answering task's hostname), or why it failed.
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

fn container_hostnames(service: &str) -> BTreeSet<String> {
    let out = Command::new("docker")
        .env_remove("DOCKER_HOST")
        .args([
            "ps",
            "-q",
            "--filter",
            &format!("label=com.docker.swarm.service.name={service}"),
        ])
        .output()
        .expect("docker ps");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|id| id.chars().take(12).collect())
        .collect()
}

fn table_exists(node_id: &str) -> bool {
    let out = Command::new("nft")
        .args(["list", "tables", "ip"])
        .output()
        .expect("nft");
    String::from_utf8_lossy(&out.stdout).contains(&format!("shoal_{}", &node_id[..12]))
}

#[test]
fn a_published_port_answers_on_every_node_address_and_balances_over_the_tasks() {
    let name = "routing_mesh";
    if common::skip_without_docker(name) || shoal_testbed::prereq::skip_without_nftables(name) {
        return;
    }
    ensure_test_image();
    let d = Daemon::start("docker");
    // An address pool of its own: engine bridges of concurrent swarms must not overlap.
    d.docker_ok(&["swarm", "init", "--default-addr-pool", "10.231.0.0/16"]);
    let node_id = d.get_json("/info")["Swarm"]["NodeID"]
        .as_str()
        .unwrap()
        .to_string();
    let port = free_port();
    d.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "web",
        "--replicas",
        "2",
        "-p",
        &format!("{port}:80"),
        TEST_IMAGE,
        "sh",
        "-c",
        "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 80 -h /www",
    ]);
    d.wait_running("web", 2);
    let tasks = container_hostnames("web");
    assert_eq!(tasks.len(), 2, "{tasks:?}");

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
        let got = answers(addr, 50);
        assert_eq!(got, tasks, "50 requests to {addr} reach both tasks");
    }

    // Scaled down: the remaining task takes every request.
    d.docker_ok(&["service", "scale", "-d", "web=1"]);
    d.wait_running("web", 1);
    let local: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    wait_for(
        "only the remaining task answering",
        Duration::from_secs(30),
        || {
            let left = container_hostnames("web");
            left.len() == 1 && answers(local, 10) == left
        },
    );

    // Removed: the port no longer answers, and the engine network goes with the last task.
    let ingress_id = d.get_json("/networks/ingress")["Id"]
        .as_str()
        .unwrap()
        .to_string();
    let engine_network = format!("ingress.{}", &ingress_id[..12]);
    assert!(
        engine_has_network(&engine_network),
        "{engine_network} on the engine"
    );
    d.docker_ok(&["service", "rm", "web"]);
    wait_for("the published port closed", Duration::from_secs(30), || {
        get(local).is_err()
    });
    wait_for(
        "the engine's network removed",
        Duration::from_secs(30),
        || !engine_has_network(&engine_network),
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

fn engine_has_network(name: &str) -> bool {
    Command::new("docker")
        .env_remove("DOCKER_HOST")
        .args(["network", "inspect", name])
        .output()
        .is_ok_and(|o| o.status.success())
}
