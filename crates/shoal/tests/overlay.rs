//! The overlay between nodes, on the network-namespace test bed (every node its own
//! namespace and address, process executor): two tasks of a service on an overlay network,
//! one per node, are both reached from a task on the first node, by name (`tasks.web`), by
//! address (the remote one through the VXLAN device) and through the service's VIP; a port
//! published by a service whose only task runs on the second node answers on the first
//! node's address (the routing mesh). Needs network namespaces, root and nftables; CI has
//! them, elsewhere it skips, saying so.

mod common;

use common::testbed::{skip_without_netns, TestBed};
use common::wait_for;
use std::collections::BTreeSet;
use std::process::{Command, Output};
use std::time::Duration;

/// The client's command line: unique on the machine, so its process can be found.
const CLIENT: [&str; 2] = ["sleep", "100321"];

/// Runs `script` in the network namespace of the client task's process. (The daemons run
/// in mount namespaces of their own on the bed, so a sandbox's name under /run/netns is
/// theirs only: the task's process is the way in.)
fn in_client(script: &str) -> Output {
    let pid = Command::new("pgrep")
        .args(["-x", "-f", &CLIENT.join(" ")])
        .output()
        .expect("pgrep");
    let pid = String::from_utf8_lossy(&pid.stdout).trim().to_string();
    Command::new("nsenter")
        .args(["-t", &pid, "-n", "sh", "-c", script])
        .output()
        .expect("nsenter")
}

/// What the task at `addr` answers the client (its own address).
fn get_from_client(addr: &str) -> String {
    let o = in_client(&common::nc_get(addr, 80).replace("nc ", "busybox nc "));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

#[test]
fn tasks_on_two_nodes_reach_each_other_over_the_overlay() {
    let name = "overlay";
    if skip_without_netns(name) || shoal_testbed::prereq::skip_without_nftables(name) {
        return;
    }
    common::ensure_test_image();
    let bed = TestBed::swarm(1, 1);
    let m1 = &bed["m1"];
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
        "busybox",
        "sh",
        "-c",
        "d=$(mktemp -d) && hostname -I > $d/index.html && exec busybox httpd -f -p 80 -h $d",
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
        "busybox",
        CLIENT[0],
        CLIENT[1],
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

    // By name: both tasks, wherever they run.
    wait_for(
        "tasks.web listing both tasks",
        Duration::from_secs(30),
        || {
            let o = in_client("busybox nslookup tasks.web");
            let text = String::from_utf8_lossy(&o.stdout).to_string();
            addrs
                .iter()
                .all(|a| text.contains(&format!("Address: {a}")))
        },
    );
    // By address: each task answers with its own address, the one on the other node
    // through the overlay.
    for addr in &addrs {
        wait_for(
            &format!("{addr} answering the client"),
            Duration::from_secs(30),
            || get_from_client(addr) == *addr,
        );
    }
    // Through the VIP: both tasks, the remote one from m1's own address on the network.
    let mut seen = BTreeSet::new();
    wait_for(
        "both tasks answering through the VIP",
        Duration::from_secs(30),
        || {
            let who = get_from_client("web");
            if addrs.contains(&who) {
                seen.insert(who);
            }
            seen == addrs
        },
    );

    // The routing mesh: a port published by a service whose one task runs on w1 answers on
    // m1's address.
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
        "busybox",
        "sh",
        "-c",
        "d=$(mktemp -d) && echo far > $d/index.html && exec busybox httpd -f -p 80 -h $d",
    ]);
    m1.wait_running("far", 1);
    let m1_ip = bed["m1"].addr().split(':').next().unwrap().to_string();
    wait_for(
        "m1's address answering for w1's task",
        Duration::from_secs(30),
        || {
            let o = in_client(&common::nc_get(&m1_ip, 18080).replace("nc ", "busybox nc "));
            String::from_utf8_lossy(&o.stdout).trim() == "far"
        },
    );
}
