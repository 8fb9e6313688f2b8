//! The daemon's life: kill -9 and restart bring back the same cluster; SIGTERM stops it
//! cleanly without leaving task processes behind; one daemon per data dir; a crashed task
//! is replaced at once.

mod common;

use common::{wait_for, Daemon, SHOAL};
use std::time::Duration;

/// PIDs of processes whose command line contains `marker`.
fn pids_with(marker: &str) -> Vec<i32> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in dir.flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let cmd = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
        let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        // Zombies (state Z) are dead; this machine's init may not reap them.
        let zombie = stat
            .rsplit(')')
            .next()
            .is_some_and(|s| s.trim_start().starts_with('Z'));
        if !zombie
            && String::from_utf8_lossy(&cmd)
                .replace('\0', " ")
                .contains(marker)
        {
            out.push(pid);
        }
    }
    out
}

#[test]
fn kill_9_and_restart_bring_back_the_same_cluster() {
    let mut d = Daemon::start("process");
    d.docker_ok(&["swarm", "init"]);
    d.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "api",
        "--replicas",
        "2",
        "--label",
        "tier=front",
        "busybox",
        "sleep",
        "100001",
    ]);
    d.wait_running("api", 2);
    let cluster = d.get_json("/swarm");
    let nodes = d.get_json("/nodes");
    let service = d.get_json("/services/api");
    let old: Vec<serde_json::Value> = d
        .running_tasks("api")
        .iter()
        .map(|t| t["ID"].clone())
        .collect();

    d.kill();
    // The process executor's tasks die with the daemon (no orphans).
    wait_for(
        "task processes to die with the daemon",
        Duration::from_secs(10),
        || pids_with("sleep 100001").is_empty(),
    );
    d.restart();

    assert_eq!(d.get_json("/swarm")["ID"], cluster["ID"]);
    assert_eq!(d.get_json("/nodes")[0]["ID"], nodes[0]["ID"]);
    let again = d.get_json("/services/api");
    assert_eq!(again["ID"], service["ID"]);
    assert_eq!(again["Spec"], service["Spec"]);
    assert_eq!(again["Version"], service["Version"]);
    // Lost tasks are reported failed, replaced, and the service converges again.
    wait_for(
        "replacements of the lost tasks",
        Duration::from_secs(60),
        || {
            let now = d.running_tasks("api");
            now.len() == 2 && now.iter().all(|t| !old.contains(&t["ID"]))
        },
    );
    for id in &old {
        let t = d.get_json(&format!("/tasks/{}", id.as_str().unwrap()));
        assert_eq!(t["Status"]["State"], "failed");
    }
    wait_for("two task processes", Duration::from_secs(30), || {
        pids_with("sleep 100001").len() == 2
    });
}

#[test]
fn sigterm_exits_zero_and_stops_task_processes() {
    let mut d = Daemon::start("process");
    d.docker_ok(&["swarm", "init"]);
    d.docker_ok(&[
        "service", "create", "-d", "--name", "s", "busybox", "sleep", "100002",
    ]);
    d.wait_running("s", 1);
    assert_eq!(pids_with("sleep 100002").len(), 1);
    let status = d.terminate();
    assert!(status.success(), "exit status {status:?}\n{}", d.log());
    assert!(
        pids_with("sleep 100002").is_empty(),
        "no orphan task process"
    );
    // State was flushed: the service is still there after a restart.
    d.restart();
    assert_eq!(d.get_json("/services/s")["Spec"]["Name"], "s");
}

#[test]
fn a_second_daemon_on_the_same_data_dir_refuses_to_start() {
    let d = Daemon::start("process");
    let out = std::process::Command::new(SHOAL)
        .args(["daemon", "--data-dir"])
        .arg(d.data_dir())
        .args(["-H", &format!("unix://{}/other.sock", d.dir().display())])
        .args(["--executor", "process"])
        .output()
        .expect("run second daemon");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("another shoal daemon"), "{err}");
    assert!(err.contains("--data-dir"), "{err}");
}

#[test]
fn a_crashed_task_is_replaced_at_once() {
    let d = Daemon::start("process");
    d.docker_ok(&["swarm", "init"]);
    d.docker_ok(&[
        "service", "create", "-d", "--name", "crashy", "busybox", "sleep", "100003",
    ]);
    d.wait_running("crashy", 1);
    let first = d.running_tasks("crashy")[0]["ID"].clone();
    let pids = pids_with("sleep 100003");
    assert_eq!(pids.len(), 1);
    // SAFETY: killing the task's process, as a crash would.
    unsafe { libc::kill(pids[0], libc::SIGKILL) };
    wait_for("a replacement task to run", Duration::from_secs(30), || {
        let r = d.running_tasks("crashy");
        r.len() == 1 && r[0]["ID"] != first
    });
    let old = d.get_json(&format!("/tasks/{}", first.as_str().unwrap()));
    assert_eq!(old["Status"]["State"], "failed");
    assert_eq!(old["Status"]["Err"], "task: non-zero exit (137)");
    assert_eq!(old["DesiredState"], "shutdown");
}
