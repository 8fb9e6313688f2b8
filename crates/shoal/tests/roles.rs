//! `node promote` / `node demote` and the quorum guards: workers promoted become raft voters
//! (they survive the loss of the first manager) without restarting their tasks; a demoted
//! manager leaves the raft and carries on as a worker; what would cost the raft its quorum
//! is refused with Docker's messages.

mod common;

use common::{free_port, wait_for, Daemon};
use std::collections::BTreeSet;
use std::time::Duration;

const LONG: Duration = Duration::from_secs(60);

fn manager_status_of(d: &Daemon, host: &str) -> Option<String> {
    d.node_rows()
        .into_iter()
        .find(|(h, _, _)| h == host)
        .map(|(_, _, m)| m)
}

/// IDs of the running tasks of `service` on node `host`.
fn running_on(d: &Daemon, service: &str, host: &str) -> BTreeSet<String> {
    let out = d.shoal_ok(&[
        "service",
        "ps",
        service,
        "--filter",
        "desired-state=running",
        "--format",
        "{{.ID}} {{.Node}} {{.CurrentState}}",
    ]);
    out.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (id, node, state) = (f.next()?, f.next()?, f.next()?);
            (node == host && state == "Running").then(|| id.to_string())
        })
        .collect()
}

fn leader_among(ds: &[&Daemon]) -> Option<String> {
    ds.iter().find_map(|d| {
        d.node_rows()
            .into_iter()
            .find(|(_, _, m)| m == "Leader")
            .map(|(h, _, _)| h)
    })
}

#[test]
fn promote_and_demote_change_raft_membership_without_restarting_tasks() {
    let mut m1 = Daemon::start_named("process", "m1");
    let w1 = Daemon::start_named("process", "w1");
    let mut w2 = Daemon::start_named("process", "w2");
    let addr = |_| format!("127.0.0.1:{}", free_port());
    let addrs: Vec<String> = (0..3).map(addr).collect();
    m1.shoal_ok(&[
        "swarm",
        "init",
        "--listen-addr",
        &addrs[0],
        "--advertise-addr",
        &addrs[0],
        "--dispatcher-heartbeat",
        "1s",
    ]);
    let token = m1.shoal_ok(&["swarm", "join-token", "-q", "worker"]);
    for (d, a) in [(&w1, &addrs[1]), (&w2, &addrs[2])] {
        d.shoal_ok(&[
            "swarm",
            "join",
            "--token",
            token.trim(),
            "--listen-addr",
            a,
            "--advertise-addr",
            a,
            &addrs[0],
        ]);
    }
    wait_for("both workers ready", LONG, || {
        m1.node_rows()
            .iter()
            .filter(|(_, s, _)| s == "Ready")
            .count()
            == 3
    });
    m1.shoal_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "web",
        "--replicas",
        "6",
        "busybox",
        "sleep",
        "100000",
    ]);
    m1.wait_running("web", 6);
    let on_w1 = running_on(&m1, "web", "w1");
    let on_w2 = running_on(&m1, "web", "w2");
    assert!(
        !on_w1.is_empty() && !on_w2.is_empty(),
        "{on_w1:?} {on_w2:?}"
    );

    // A worker cannot change roles.
    let refused = w1.shoal(&["node", "promote", "w2"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("Worker nodes can't be used"));

    // Promotion: both become reachable managers, their tasks untouched.
    let out = m1.shoal_ok(&["node", "promote", "w1", "w2"]);
    assert!(
        out.contains("Node w1 promoted to a manager in the swarm."),
        "{out}"
    );
    wait_for("w1 and w2 reachable managers", LONG, || {
        let n = m1.node_rows();
        ["w1", "w2"]
            .iter()
            .all(|h| n.iter().any(|(host, _, m)| host == h && m == "Reachable"))
            && w1.shoal(&["node", "ls"]).status.success()
            && w2.shoal(&["node", "ls"]).status.success()
    });
    // Still running, same ids (the scheduler may have added others meanwhile).
    assert!(
        running_on(&w1, "web", "w1").is_superset(&on_w1),
        "w1's tasks kept"
    );
    assert!(
        running_on(&w1, "web", "w2").is_superset(&on_w2),
        "w2's tasks kept"
    );

    // They really vote: without m1 (kill -9), one of them leads and takes writes.
    m1.kill();
    wait_for("a new leader among w1 and w2", LONG, || {
        matches!(leader_among(&[&w1, &w2]).as_deref(), Some("w1" | "w2"))
    });
    w1.shoal_ok(&["service", "scale", "-d", "web=7"]);
    m1.restart();
    wait_for("m1 back as a reachable manager", LONG, || {
        manager_status_of(&w1, "m1").as_deref() == Some("Reachable")
    });

    // Demotion: w2 leaves the raft and carries on as a worker with the same tasks.
    let on_w2 = running_on(&w1, "web", "w2");
    let out = w1.shoal_ok(&["node", "demote", "w2"]);
    assert!(out.contains("Manager w2 demoted in the swarm."), "{out}");
    wait_for("w2 a worker again", LONG, || {
        manager_status_of(&w1, "w2").as_deref() == Some("")
            && String::from_utf8_lossy(&w2.shoal(&["node", "ls"]).stderr)
                .contains("Worker nodes can't be used")
    });
    assert!(
        running_on(&w1, "web", "w2").is_superset(&on_w2),
        "w2's tasks kept"
    );

    // Promoted again (its old raft data is gone: it joins afresh), then killed: with one
    // of three managers down, demoting a live one or leaving would lose the quorum.
    w1.shoal_ok(&["node", "promote", "w2"]);
    wait_for("w2 reachable manager again", LONG, || {
        manager_status_of(&w1, "w2").as_deref() == Some("Reachable")
            && w2.shoal(&["node", "ls"]).status.success()
    });
    w2.kill();
    wait_for("w2 unreachable", LONG, || {
        w1.node_rows()
            .iter()
            .any(|(h, s, m)| h == "w2" && s == "Down" && m == "Unreachable")
    });
    let err = String::from_utf8_lossy(&w1.shoal(&["node", "demote", "m1"]).stderr).to_string();
    assert!(
        err.contains("can't remove member from the raft: this would result in a loss of quorum"),
        "{err}"
    );
    let err = String::from_utf8_lossy(&w1.shoal(&["swarm", "leave"]).stderr).to_string();
    assert!(
        err.contains("Removing this node leaves 1 managers out of 3."),
        "{err}"
    );
    assert!(
        matches!(
            manager_status_of(&w1, "m1").as_deref(),
            Some("Leader" | "Reachable")
        ),
        "m1 is still a manager"
    );

    // The dead one may go: demoted, dropped from the raft, then removed.
    w1.shoal_ok(&["node", "demote", "w2"]);
    wait_for("w2 out of the managers", LONG, || {
        manager_status_of(&w1, "w2").as_deref() == Some("")
    });
    w1.shoal_ok(&["node", "rm", "w2"]);
    // Two managers left, both needed: a write still commits, and the service converges.
    m1.shoal_ok(&["service", "scale", "-d", "web=4"]);
    wait_for("web back to 4 running tasks", LONG, || {
        m1.running_tasks("web").len() == 4
    });
    let services = m1.shoal_ok(&["service", "ls", "-q"]);
    assert_eq!(services.lines().count(), 1, "{services}");
}
