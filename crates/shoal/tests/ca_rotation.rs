//! `swarm ca --rotate`: the cluster moves to a new root CA while it keeps working: managers
//! keep their raft, workers keep their sessions and tasks, writes commit throughout; at the
//! end every node trusts only the new root, the join tokens carry its digest (the old ones
//! are refused) and a new node joins with the new token.

mod common;

use common::{free_port, wait_for, Daemon};
use std::time::Duration;

const LONG: Duration = Duration::from_secs(60);

fn ready_nodes(d: &Daemon) -> usize {
    let out = d.shoal_ok(&["node", "ls", "--format", "{{.Status}}"]);
    out.lines().filter(|l| *l == "Ready").count()
}

#[test]
fn the_root_ca_rotates_while_the_cluster_keeps_working() {
    let m1 = Daemon::start_named("process", "m1");
    let m2 = Daemon::start_named("process", "m2");
    let w1 = Daemon::start_named("process", "w1");
    let a1 = format!("127.0.0.1:{}", free_port());
    let a2 = format!("127.0.0.1:{}", free_port());
    m1.shoal_ok(&[
        "swarm",
        "init",
        "--listen-addr",
        &a1,
        "--advertise-addr",
        &a1,
        "--dispatcher-heartbeat",
        "1s",
    ]);
    let mtoken = m1.shoal_ok(&["swarm", "join-token", "-q", "manager"]);
    m2.shoal_ok(&[
        "swarm",
        "join",
        "--token",
        mtoken.trim(),
        "--listen-addr",
        &a2,
        "--advertise-addr",
        &a2,
        &a1,
    ]);
    let old_wtoken = m1.shoal_ok(&["swarm", "join-token", "-q", "worker"]);
    w1.shoal_ok(&["swarm", "join", "--token", old_wtoken.trim(), &a1]);
    wait_for("three ready nodes", LONG, || ready_nodes(&m1) == 3);
    m1.shoal_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "web",
        "--replicas",
        "3",
        "busybox",
        "sleep",
        "100000",
    ]);
    m1.wait_running("web", 3);
    let old_root = m1.shoal_ok(&["swarm", "ca"]);
    assert!(old_root.contains("BEGIN CERTIFICATE"), "{old_root}");
    assert_eq!(m1.docker_ok(&["swarm", "ca"]).trim(), old_root.trim());

    // Rotate and wait, like `docker swarm ca --rotate`.
    let out = m2.shoal_ok(&["swarm", "ca", "--rotate"]);
    assert!(out.contains("rotated CA certificates: 3/3 nodes"), "{out}");
    let new_root = m1.shoal_ok(&["swarm", "ca"]);
    assert_ne!(new_root, old_root);
    assert!(out.trim_end().ends_with(new_root.trim()), "{out}");
    for d in [&m1, &m2, &w1] {
        let on_disk =
            std::fs::read_to_string(d.data_dir().join("swarm/certificates/root.crt")).unwrap();
        assert_eq!(on_disk.trim(), new_root.trim(), "trusts only the new root");
    }

    // Everything still works over the new certificates.
    wait_for("three ready nodes after", LONG, || ready_nodes(&m1) == 3);
    m2.shoal_ok(&["service", "scale", "-d", "web=4"]);
    m1.wait_running("web", 4);

    // Tokens carry the new digest: the old one is refused, the new one admits a node.
    let new_wtoken = m1.shoal_ok(&["swarm", "join-token", "-q", "worker"]);
    assert_ne!(new_wtoken, old_wtoken);
    let w2 = Daemon::start_named("process", "w2");
    let refused = w2.shoal(&["swarm", "join", "--token", old_wtoken.trim(), &a1]);
    assert!(!refused.status.success());
    w2.shoal_ok(&["swarm", "join", "--token", new_wtoken.trim(), &a1]);
    wait_for("four ready nodes", LONG, || ready_nodes(&m1) == 4);
}
