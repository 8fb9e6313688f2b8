//! The overlay between nodes with the docker executor, on a test bed whose nodes have Docker
//! Engines of their own (each node a network namespace with its own `dockerd`): two
//! containers of a service on an overlay network, one per node, are reached from a container
//! on the first node by name (`tasks.web`), by address (the remote one through the VXLAN
//! device, past each engine's own firewall) and through the VIP; a port published by a
//! service whose one task runs on the second node answers on the first node's address. Skips, saying so, without
//! network namespaces, dockerd or the machine's engine; fails in CI instead.

mod common;

use common::testbed::{skip_without_engines, Engine, TestBed};
use common::{ensure_test_image, wait_for, TEST_IMAGE};
use std::collections::BTreeSet;
use std::time::Duration;

/// The running container of service `service` in `engine`.
fn container(engine: &Engine, service: &str) -> String {
    engine
        .docker(&[
            "ps",
            "-q",
            "--filter",
            &format!("label=com.docker.swarm.service.name={service}"),
        ])
        .unwrap_or_else(|e| panic!("{e:#}"))
        .trim()
        .to_string()
}

/// What `script` prints in container `id` of `engine` (empty if it fails).
fn in_container(engine: &Engine, id: &str, script: &str) -> String {
    engine
        .docker(&["exec", id, "sh", "-c", script])
        .unwrap_or_default()
}

#[test]
fn containers_on_two_engines_reach_each_other_over_the_overlay() {
    let test = "containers_on_two_engines_reach_each_other_over_the_overlay";
    if skip_without_engines(test) || shoal_testbed::prereq::skip_without_nftables(test) {
        return;
    }
    ensure_test_image();
    let bed = TestBed::swarm_with_engines(1, 1);
    let m1 = &bed["m1"];
    let em = m1.engine().expect("m1's engine");
    m1.docker_ok(&["network", "create", "-d", "overlay", "appnet"]);
    m1.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "web",
        "--network",
        "appnet",
        "--replicas",
        "2",
        "--replicas-max-per-node",
        "1",
        TEST_IMAGE,
        "sh",
        "-c",
        "mkdir -p /www && hostname -i > /www/index.html && exec httpd -f -p 80 -h /www",
    ]);
    m1.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "client",
        "--network",
        "appnet",
        "--constraint",
        "node.hostname==m1",
        TEST_IMAGE,
        "sleep",
        "100000",
    ]);
    m1.wait_running("web", 2);
    m1.wait_running("client", 1);
    let tasks = m1.running_tasks("web");
    let nodes: BTreeSet<&str> = tasks
        .iter()
        .map(|t| t["NodeID"].as_str().unwrap())
        .collect();
    assert_eq!(nodes.len(), 2, "one web task per node");
    let addrs = common::task_addresses(m1, "web");
    let client = container(em, "client");
    assert!(!client.is_empty(), "the client's container on m1's engine");

    wait_for(
        "tasks.web listing both tasks",
        Duration::from_secs(30),
        || {
            let text = in_container(em, &client, "nslookup tasks.web");
            addrs.iter().all(|a| text.contains(a.as_str()))
        },
    );
    let get = |target: &str| {
        in_container(em, &client, &common::nc_get(target, 80))
            .trim()
            .to_string()
    };
    for addr in &addrs {
        wait_for(
            &format!("{addr} answering the client"),
            Duration::from_secs(30),
            || get(addr) == *addr,
        );
    }
    let mut seen = BTreeSet::new();
    wait_for(
        "both tasks answering through the VIP",
        Duration::from_secs(30),
        || {
            let who = get("web");
            if addrs.contains(&who) {
                seen.insert(who);
            }
            seen == addrs
        },
    );

    // The routing mesh: a port published by a service whose one task runs on w1 answers
    // on m1's address.
    m1.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "far",
        "-p",
        "18080:80",
        "--constraint",
        "node.hostname==w1",
        TEST_IMAGE,
        "sh",
        "-c",
        "mkdir -p /www && echo far > /www/index.html && exec httpd -f -p 80 -h /www",
    ]);
    m1.wait_running("far", 1);
    let m1_ip = m1.addr().split(':').next().unwrap().to_string();
    wait_for(
        "m1's address answering for w1's task",
        Duration::from_secs(30),
        || in_container(em, &client, &common::nc_get(&m1_ip, 18080)).trim() == "far",
    );
}
