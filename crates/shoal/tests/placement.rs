//! Placement through the stock docker CLI on a three-node cluster (process executor): an
//! engine-label constraint, a malformed constraint refused, a task pending with Swarm's
//! explanation until a node label makes a node fit, max replicas per node, and
//! `--constraint-add` moving the tasks that no longer fit.

mod common;

use common::{rows, wait_for, Daemon};
use std::time::Duration;

fn hosts(m: &Daemon, service: &str) -> Vec<String> {
    m.running_hosts(service)
}

/// Errors of the service's tasks meant to run.
fn errors(m: &Daemon, service: &str) -> Vec<String> {
    m.docker_ok(&[
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
    .filter(|l| l.starts_with("Pending"))
    // docker quotes the error.
    .map(|l| l.split_once('|').unwrap().1.trim_matches('"').to_string())
    .collect()
}

#[test]
fn constraints_pending_tasks_and_constraint_add_through_the_docker_cli() {
    let (m1, addr) = Daemon::init_manager("m1");
    let token = m1.shoal_ok(&["swarm", "join-token", "-q", "worker"]);
    let w1 = Daemon::start_with("process", "w1", &["--label", "disk=ssd"]);
    let w2 = Daemon::start_named("process", "w2");
    for w in [&w1, &w2] {
        w.shoal_ok(&["swarm", "join", "--token", token.trim(), &addr]);
    }
    wait_for("three ready nodes", Duration::from_secs(30), || {
        let r = rows(&m1.docker_ok(&["node", "ls"]));
        r.len() == 4 && r.iter().skip(1).all(|r| r.iter().any(|c| c == "Ready"))
    });

    // An engine label pins both replicas to w1.
    m1.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "ssd",
        "--replicas",
        "2",
        "--constraint",
        "engine.labels.disk==ssd",
        "busybox",
        "sleep",
        "100020",
    ]);
    m1.wait_running("ssd", 2);
    assert_eq!(hosts(&m1, "ssd"), ["w1", "w1"]);
    let pretty = m1.docker_ok(&["service", "inspect", "--pretty", "ssd"]);
    assert!(
        pretty.contains("Constraints:") && pretty.contains("engine.labels.disk==ssd"),
        "{pretty}"
    );

    // A malformed constraint is refused with Docker's words, and nothing is created.
    let err = m1.docker_err(&[
        "service",
        "create",
        "-d",
        "--name",
        "bad",
        "--constraint",
        "node.role=manager",
        "busybox",
        "sleep",
        "1",
    ]);
    assert!(
        err.contains("constraint expected one operator from ==, !="),
        "{err}"
    );
    assert!(!m1.docker_ok(&["service", "ls"]).contains("bad"));

    // No node has zone=blue: pending with the explanation, placed once w2 gets the label.
    m1.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "blue",
        "--constraint",
        "node.labels.zone==blue",
        "busybox",
        "sleep",
        "100021",
    ]);
    wait_for("the pending explanation", Duration::from_secs(30), || {
        errors(&m1, "blue")
            == ["no suitable node (scheduling constraints not satisfied on 3 nodes)"]
    });
    let ps = m1.shoal_ok(&["service", "ps", "--no-trunc", "blue"]);
    assert!(
        ps.contains("Pending") && ps.contains("scheduling constraints not satisfied on 3 nodes"),
        "{ps}"
    );
    m1.docker_ok(&["node", "update", "--label-add", "zone=blue", "w2"]);
    m1.wait_running("blue", 1);
    assert_eq!(hosts(&m1, "blue"), ["w2"]);

    // At most one per node: the fourth replica waits.
    m1.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "one-each",
        "--replicas",
        "4",
        "--replicas-max-per-node",
        "1",
        "busybox",
        "sleep",
        "100022",
    ]);
    m1.wait_running("one-each", 3);
    wait_for(
        "the max-per-node explanation",
        Duration::from_secs(30),
        || errors(&m1, "one-each") == ["no suitable node (max replicas per node limit exceed)"],
    );
    let pretty = m1.docker_ok(&["service", "inspect", "--pretty", "one-each"]);
    assert!(pretty.contains("Max Replicas Per Node:   1"), "{pretty}");

    // --constraint-add moves the tasks on the manager to the workers.
    m1.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "web",
        "--replicas",
        "3",
        "busybox",
        "sleep",
        "100023",
    ]);
    m1.wait_running("web", 3);
    assert_eq!(hosts(&m1, "web"), ["m1", "w1", "w2"]);
    let err = m1.docker_err(&[
        "service",
        "update",
        "-d",
        "--constraint-add",
        "node.role",
        "web",
    ]);
    assert!(
        err.contains("constraint expected one operator from ==, !="),
        "{err}"
    );
    m1.docker_ok(&[
        "service",
        "update",
        "-d",
        "--constraint-add",
        "node.role==worker",
        "web",
    ]);
    wait_for("web to leave m1", Duration::from_secs(60), || {
        let h = hosts(&m1, "web");
        h.len() == 3 && !h.iter().any(|n| n == "m1")
    });
}
