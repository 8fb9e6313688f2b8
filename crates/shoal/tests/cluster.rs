//! A small cluster on one machine: one manager and two workers (process executor) joined
//! with tokens over mutual TLS on 127.0.0.1. Wrong tokens are refused; tasks spread over the
//! nodes; a killed worker is marked down and its tasks run elsewhere; restarted, it rejoins
//! by itself.

mod common;

use common::{free_port, rows, wait_for, Daemon};
use std::time::Duration;

fn nodes_by_host(m: &Daemon) -> Vec<(String, String)> {
    rows(&m.shoal_ok(&["node", "ls"]))
        .into_iter()
        .skip(1)
        .map(|r| (r[1].clone(), r[2].clone()))
        .collect()
}

#[test]
fn workers_join_with_tokens_run_tasks_and_failover() {
    let (manager, addr) = Daemon::init_manager("m1");
    let token = manager.shoal_ok(&["swarm", "join-token", "-q", "worker"]);
    let token = token.trim();

    let mut w1 = Daemon::start_named("process", "w1");
    let w2 = Daemon::start_named("process", "w2");

    // A token of another cluster, and a bad secret, are refused and change nothing.
    let other = Daemon::start_named("process", "other");
    let other_addr = format!("127.0.0.1:{}", free_port());
    other.shoal_ok(&["swarm", "init", "--listen-addr", &other_addr]);
    let foreign = other.shoal_ok(&["swarm", "join-token", "-q", "worker"]);
    let out = w1.shoal(&["swarm", "join", "--token", foreign.trim(), &addr]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("does not match the join token"), "{err}");
    let digest = token.split('-').nth(2).unwrap();
    let bad_secret = format!("SWMTKN-1-{digest}-{}", "0".repeat(25));
    let out = w1.shoal(&["swarm", "join", "--token", &bad_secret, &addr]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("A valid join token is necessary to join this cluster"),
        "{err}"
    );
    assert_eq!(nodes_by_host(&manager).len(), 1);

    for w in [&w1, &w2] {
        let out = w.shoal_ok(&["swarm", "join", "--token", token, &addr]);
        assert!(
            out.contains("This node joined a swarm as a worker."),
            "{out}"
        );
    }
    wait_for("three ready nodes", Duration::from_secs(30), || {
        let n = nodes_by_host(&manager);
        n.len() == 3 && n.iter().all(|(_, s)| s == "Ready")
    });
    // A worker serves no cluster state.
    let out = w1.shoal(&["service", "ls"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("This node is not a swarm manager."));

    manager.shoal_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "web",
        "--replicas",
        "6",
        "busybox",
        "sleep",
        "100010",
    ]);
    manager.wait_running("web", 6);
    let per_node = |m: &Daemon| {
        let mut hosts: Vec<String> =
            rows(&m.shoal_ok(&["service", "ps", "web", "--filter", "desired-state=running"]))
                .into_iter()
                .skip(1)
                .map(|r| r[3].clone())
                .collect();
        hosts.sort();
        hosts
    };
    assert_eq!(per_node(&manager), ["m1", "m1", "w1", "w1", "w2", "w2"]);

    // kill -9 a worker: marked down, its tasks replaced on the others.
    w1.kill();
    wait_for("w1 to be marked down", Duration::from_secs(30), || {
        nodes_by_host(&manager)
            .iter()
            .any(|(h, s)| h == "w1" && s == "Down")
    });
    wait_for(
        "six running tasks without w1",
        Duration::from_secs(30),
        || {
            let hosts = per_node(&manager);
            manager.running_tasks("web").len() == 6 && !hosts.iter().any(|h| h == "w1")
        },
    );

    // Restarted, it rejoins with no command typed.
    w1.restart();
    wait_for("w1 ready again", Duration::from_secs(30), || {
        nodes_by_host(&manager)
            .iter()
            .any(|(h, s)| h == "w1" && s == "Ready")
    });
    let out = w1.shoal_ok(&["info"]);
    assert!(out.contains("Swarm: active"), "{out}");

    // Drain moves a node's tasks away; active again takes new ones.
    manager.shoal_ok(&["node", "update", "--availability", "drain", "w1"]);
    wait_for("w1 drained", Duration::from_secs(30), || {
        let hosts = per_node(&manager);
        manager.running_tasks("web").len() == 6 && !hosts.iter().any(|h| h == "w1")
    });
    manager.shoal_ok(&["node", "update", "--availability", "active", "w1"]);

    // A worker that leaves shows down until removed.
    let out = w1.shoal_ok(&["swarm", "leave"]);
    assert!(out.contains("Node left the swarm."), "{out}");
    wait_for("w1 down after leaving", Duration::from_secs(30), || {
        nodes_by_host(&manager)
            .iter()
            .any(|(h, s)| h == "w1" && s == "Down")
    });
    manager.shoal_ok(&["node", "rm", "w1"]);

    // A removed node cannot come back with its old certificate.
    let mut w2 = w2;
    w2.kill();
    wait_for("w2 to be marked down", Duration::from_secs(30), || {
        nodes_by_host(&manager)
            .iter()
            .any(|(h, s)| h == "w2" && s == "Down")
    });
    manager.shoal_ok(&["node", "rm", "w2"]);
    w2.restart();
    wait_for("w2's refusal in its log", Duration::from_secs(30), || {
        w2.log().contains("is not known to the swarm")
    });
    assert!(!nodes_by_host(&manager).iter().any(|(h, _)| h == "w2"));
}
