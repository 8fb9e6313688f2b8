//! Three managers in raft: managers join with the manager token, writes on a follower reach
//! the leader, and after `kill -9` of the leader a new one is elected and the survivors take
//! writes; nothing committed is lost and the service converges again.

mod common;

use common::{free_port, rows, wait_for, Daemon};
use std::time::Duration;

fn manager_status(d: &Daemon) -> Vec<(String, String)> {
    rows(&d.shoal_ok(&["node", "ls"]))
        .into_iter()
        .skip(1)
        .map(|r| (r[1].clone(), r.get(4).cloned().unwrap_or_default()))
        .collect()
}

#[test]
fn three_managers_survive_the_loss_of_the_leader() {
    let mut m1 = Daemon::start_named("process", "m1");
    let m2 = Daemon::start_named("process", "m2");
    let mut m3 = Daemon::start_named("process", "m3");
    let addrs: Vec<String> = (0..3)
        .map(|_| format!("127.0.0.1:{}", free_port()))
        .collect();
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
    let token = m1.shoal_ok(&["swarm", "join-token", "-q", "manager"]);
    for (d, a) in [(&m2, &addrs[1]), (&m3, &addrs[2])] {
        let out = d.shoal_ok(&[
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
        assert!(out.contains("joined a swarm as a manager"), "{out}");
    }
    wait_for(
        "three managers, m1 leading",
        Duration::from_secs(30),
        || {
            let s = manager_status(&m2);
            s.len() == 3
                && s.iter().any(|(h, st)| h == "m1" && st == "Leader")
                && s.iter().filter(|(_, st)| st == "Reachable").count() == 2
        },
    );

    // A worker joined to m1 will have to fail over when m1 dies.
    let worker = Daemon::start_named("process", "w1");
    let wtoken = m1.shoal_ok(&["swarm", "join-token", "-q", "worker"]);
    worker.shoal_ok(&["swarm", "join", "--token", wtoken.trim(), &addrs[0]]);
    wait_for("the worker ready", Duration::from_secs(30), || {
        rows(&m1.shoal_ok(&["node", "ls"]))
            .iter()
            .any(|r| r[1] == "w1" && r[2] == "Ready")
    });

    // A write on a follower reaches the leader.
    m2.shoal_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "web",
        "--replicas",
        "3",
        "busybox",
        "sleep",
        "100012",
    ]);
    m3.wait_running("web", 3);
    let before = m3.get_json("/services/web");

    m1.kill();
    wait_for(
        "a new leader among the survivors",
        Duration::from_secs(30),
        || {
            manager_status(&m2)
                .iter()
                .any(|(h, st)| (h == "m2" || h == "m3") && st == "Leader")
        },
    );
    wait_for("m1 shown unreachable", Duration::from_secs(30), || {
        manager_status(&m2)
            .iter()
            .any(|(h, st)| h == "m1" && st == "Unreachable")
    });
    // Writes through the survivors, and the committed service is intact.
    let again = m3.get_json("/services/web");
    assert_eq!(again["Spec"], before["Spec"]);
    m3.shoal_ok(&["service", "scale", "-d", "web=4"]);
    wait_for(
        "four tasks on the survivors",
        Duration::from_secs(60),
        || {
            let tasks = m2.running_tasks("web");
            tasks.len() == 4
        },
    );
    m2.shoal_ok(&[
        "service",
        "update",
        "-d",
        "--env-add",
        "AFTER=failover",
        "web",
    ]);
    assert!(
        m3.get_json("/services/web")["Spec"]["TaskTemplate"]["ContainerSpec"]["Env"]
            .to_string()
            .contains("AFTER=failover")
    );

    // The worker found another manager: it is ready and takes new tasks.
    m2.shoal_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "everywhere",
        "--mode",
        "global",
        "busybox",
        "sleep",
        "100013",
    ]);
    wait_for(
        "the worker to run its global task via another manager",
        Duration::from_secs(60),
        || {
            rows(&m2.shoal_ok(&[
                "service",
                "ps",
                "everywhere",
                "--filter",
                "desired-state=running",
            ]))
            .iter()
            .any(|r| r.len() > 5 && r[3] == "w1" && r[5].starts_with("Running"))
        },
    );

    // With only one of three managers left there is no quorum: writes are refused with
    // Docker's words, and reads still answer.
    m3.kill();
    let mut refused = String::new();
    wait_for(
        "writes to be refused without quorum",
        Duration::from_secs(60),
        || {
            let out = m2.shoal(&["service", "scale", "-d", "web=5"]);
            refused = String::from_utf8_lossy(&out.stderr).into_owned();
            !out.status.success()
        },
    );
    assert!(
        refused.contains("The swarm does not have a leader. It's possible that too few managers are online. Make sure more than half of the managers are online."),
        "{refused}"
    );
    assert_eq!(
        m2.get_json("/services/web")["Spec"]["Mode"]["Replicated"]["Replicas"],
        4
    );
}
