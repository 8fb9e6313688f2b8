//! The whole cluster restarts (every daemon killed, then started again) and comes back by
//! itself: a leader is elected, nodes are ready, services and their tasks converge.

mod common;

use common::{free_port, rows, wait_for, Daemon};
use std::time::Duration;

#[test]
fn a_cluster_comes_back_after_every_node_restarts() {
    let mut managers: Vec<Daemon> = ["m1", "m2", "m3"]
        .iter()
        .map(|h| Daemon::start_named("process", h))
        .collect();
    let mut worker = Daemon::start_named("process", "w1");
    let addrs: Vec<String> = (0..3)
        .map(|_| format!("127.0.0.1:{}", free_port()))
        .collect();
    managers[0].shoal_ok(&[
        "swarm",
        "init",
        "--listen-addr",
        &addrs[0],
        "--advertise-addr",
        &addrs[0],
        "--dispatcher-heartbeat",
        "1s",
    ]);
    let mtoken = managers[0].shoal_ok(&["swarm", "join-token", "-q", "manager"]);
    let wtoken = managers[0].shoal_ok(&["swarm", "join-token", "-q", "worker"]);
    for i in 1..3 {
        managers[i].shoal_ok(&[
            "swarm",
            "join",
            "--token",
            mtoken.trim(),
            "--listen-addr",
            &addrs[i],
            "--advertise-addr",
            &addrs[i],
            &addrs[0],
        ]);
    }
    worker.shoal_ok(&["swarm", "join", "--token", wtoken.trim(), &addrs[0]]);
    managers[0].shoal_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "web",
        "--replicas",
        "4",
        "busybox",
        "sleep",
        "100014",
    ]);
    managers[0].wait_running("web", 4);
    let spec = managers[0].get_json("/services/web")["Spec"].clone();
    let before: Vec<serde_json::Value> = managers[0]
        .running_tasks("web")
        .iter()
        .map(|t| t["ID"].clone())
        .collect();

    for m in managers.iter_mut() {
        m.kill();
    }
    worker.kill();
    for m in managers.iter_mut() {
        m.restart();
    }
    worker.restart();

    wait_for(
        "a leader and four ready nodes",
        Duration::from_secs(60),
        || {
            let out = managers[1].shoal(&["node", "ls"]);
            let table = rows(&String::from_utf8_lossy(&out.stdout));
            out.status.success()
                && table
                    .iter()
                    .filter(|r| r.len() > 2 && r[2] == "Ready")
                    .count()
                    == 4
                && table.iter().any(|r| r.iter().any(|c| c == "Leader"))
        },
    );
    assert_eq!(managers[2].get_json("/services/web")["Spec"], spec);
    // The host processes died with their daemons: the service converges again only if
    // raft, the reconciler, the dispatchers and the agents all came back.
    wait_for(
        "the service to converge again with new tasks",
        Duration::from_secs(60),
        || {
            let now = managers[2].running_tasks("web");
            now.len() == 4 && now.iter().all(|t| !before.contains(&t["ID"]))
        },
    );
    let hosts: std::collections::BTreeSet<String> =
        rows(&managers[2].shoal_ok(&["service", "ps", "web", "--filter", "desired-state=running"]))
            .into_iter()
            .skip(1)
            .map(|r| r[3].clone())
            .collect();
    assert!(
        hosts.len() >= 2,
        "tasks spread over the restarted nodes: {hosts:?}"
    );
}
