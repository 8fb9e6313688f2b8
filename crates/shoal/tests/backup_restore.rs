//! Backup and restore as the Swarm docs (and the seed notes) describe it: copy a stopped
//! manager's data dir; after losing every manager, put the copy back and run
//! `swarm init --force-new-cluster`: services, nodes and tasks come back, the worker finds
//! its manager again, and the dead managers can be demoted and removed.

mod common;

use common::{free_port, wait_for, Daemon};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const LONG: Duration = Duration::from_secs(60);

fn copy_dir(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    let ok = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .expect("cp")
        .success();
    assert!(ok, "copying {} to {}", from.display(), to.display());
}

#[test]
fn a_backup_restored_with_force_new_cluster_brings_the_cluster_back() {
    let mut managers: Vec<Daemon> = ["m1", "m2", "m3"]
        .iter()
        .map(|h| Daemon::start_named("process", h))
        .collect();
    let worker = Daemon::start_named("process", "w1");
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
    let wtoken = managers[0].shoal_ok(&["swarm", "join-token", "-q", "worker"]);
    worker.shoal_ok(&["swarm", "join", "--token", wtoken.trim(), &addrs[1]]);
    wait_for("four ready nodes", LONG, || {
        managers[0]
            .node_rows()
            .iter()
            .filter(|(_, s, _)| s == "Ready")
            .count()
            == 4
    });
    for (name, replicas) in [("web", "4"), ("api", "2")] {
        managers[0].shoal_ok(&[
            "service",
            "create",
            "-d",
            "--name",
            name,
            "--replicas",
            replicas,
            "busybox",
            "sleep",
            "100000",
        ]);
    }
    managers[0].wait_running("web", 4);
    managers[0].wait_running("api", 2);
    // A secret, committed before the backup, must come back too.
    let secret = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(secret.path(), "s3cret").unwrap();
    let secret_id = managers[0]
        .shoal_ok(&[
            "secret",
            "create",
            "db-password",
            secret.path().to_str().unwrap(),
        ])
        .trim()
        .to_string();

    // Backup: a copy of a stopped manager's data dir; the manager then goes back to work.
    let backup = tempfile::tempdir().expect("tempdir");
    let saved = backup.path().join("data");
    let status = managers[0].terminate();
    assert!(status.success(), "clean stop: {status:?}");
    copy_dir(&managers[0].data_dir(), &saved);
    managers[0].restart();
    wait_for("m1 back in the cluster", LONG, || {
        managers[1]
            .node_rows()
            .iter()
            .any(|(h, s, m)| h == "m1" && s == "Ready" && (m == "Reachable" || m == "Leader"))
    });

    // Disaster: every manager dies.
    for m in managers.iter_mut() {
        m.kill();
    }

    // Restore m1 from the backup: without its peers it has no quorum until forced.
    copy_dir(&saved, &managers[0].data_dir());
    managers[0].restart();
    let m1 = &managers[0];
    let out = m1.shoal_ok(&["swarm", "init", "--force-new-cluster"]);
    assert!(out.contains("Swarm initialized"), "{out}");
    let services = m1.shoal_ok(&["service", "ls", "--format", "{{.Name}}"]);
    let mut names: Vec<&str> = services.lines().collect();
    names.sort();
    assert_eq!(names, ["api", "web"]);
    let secrets = m1.shoal_ok(&["secret", "ls", "--format", "{{.ID}} {{.Name}}"]);
    assert_eq!(
        secrets.trim(),
        format!("{secret_id} db-password"),
        "the secret is back"
    );
    wait_for(
        "m1 leading, the others unreachable, the worker back",
        LONG,
        || {
            let n = m1.node_rows();
            n.len() == 4
                && n.iter().any(|(h, _, m)| h == "m1" && m == "Leader")
                && n.iter()
                    .filter(|(_, s, m)| s == "Down" && m == "Unreachable")
                    .count()
                    == 2
                && n.iter().any(|(h, s, _)| h == "w1" && s == "Ready")
        },
    );
    m1.wait_running("web", 4);
    m1.wait_running("api", 2);
    // Writes commit on the new single-manager raft.
    m1.shoal_ok(&["service", "scale", "-d", "web=5"]);
    m1.wait_running("web", 5);

    // The dead managers are not voters any more: they can be demoted and removed.
    m1.shoal_ok(&["node", "demote", "m2", "m3"]);
    m1.shoal_ok(&["node", "rm", "m2", "m3"]);
    let left: Vec<String> = m1.node_rows().into_iter().map(|(h, _, _)| h).collect();
    assert_eq!(left.len(), 2, "{left:?}");
}
