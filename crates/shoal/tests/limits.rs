//! `--limit-cpu`, `--limit-memory` end to end. Process executor: a task past its memory limit
//! is OOM-killed and fails, and `node inspect` says how limits are enforced (engine label
//! `shoal.resource-limits`). Docker executor (skipped where no engine answers): the task's
//! container carries the limits.

mod common;

use common::{ensure_test_image, wait_for, Daemon, TEST_IMAGE};
use serde_json::Value;
use std::time::Duration;

const LABEL: &str = "shoal.resource-limits";

/// Whether this machine lets the daemon (root) put tasks in cgroups with a memory controller;
/// otherwise the process executor runs tasks unlimited and says why in the label. As root with
/// controllers, not enforcing is a failure.
fn cgroups_usable(label: &str) -> bool {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if !root {
        return false;
    }
    if label.starts_with("unenforced") {
        let unavailable = ["no cpu, memory or pids", "Read-only", "Permission denied"];
        assert!(
            unavailable.iter().any(|r| label.contains(r)),
            "running as root with cgroup controllers, yet: {label}"
        );
        return false;
    }
    // "cgroup1"/"cgroup2" name a controller only when it is missing: "(no memory controller)".
    !label.contains("memory")
}

#[test]
fn process_task_past_its_memory_limit_fails_and_node_tells_enforcement() {
    let d = Daemon::start("process");
    d.docker_ok(&["swarm", "init"]);

    let labels = d.docker_ok(&[
        "node",
        "inspect",
        "self",
        "--format",
        "{{json .Description.Engine.Labels}}",
    ]);
    let labels: Value = serde_json::from_str(labels.trim()).expect("labels json");
    let label = labels[LABEL]
        .as_str()
        .unwrap_or_else(|| panic!("no {LABEL} engine label in {labels}"))
        .to_string();
    assert!(
        label.starts_with("cgroup1")
            || label.starts_with("cgroup2")
            || label.starts_with("unenforced ("),
        "{label}"
    );
    if !cgroups_usable(&label)
        && shoal_testbed::prereq::missing(
            "process_task_past_its_memory_limit_fails_and_node_tells_enforcement (OOM part)",
            &format!("cgroup memory limits the daemon can enforce (the node says: {label})"),
            "run the tests as root on a kernel with the cgroup v1 memory controller or cgroup v2",
        )
    {
        return;
    }

    // dd reads 32 MiB into one buffer: twice the limit.
    d.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "hog",
        "--limit-memory",
        "16m",
        "--restart-condition",
        "none",
        "busybox",
        "dd",
        "if=/dev/zero",
        "of=/dev/null",
        "bs=32M",
        "count=1",
    ]);
    let mut rows = String::new();
    wait_for(
        "the OOM-killed task to fail",
        Duration::from_secs(60),
        || {
            rows = d.docker_ok(&[
                "service",
                "ps",
                "hog",
                "--no-trunc",
                "--format",
                "{{.CurrentState}}|{{.Error}}",
            ]);
            rows.starts_with("Failed")
        },
    );
    assert!(
        rows.contains("task: non-zero exit (137)"),
        "service ps shows: {rows}"
    );

    // The same without the limit completes: the failure was the limit.
    d.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "free",
        "--restart-condition",
        "none",
        "busybox",
        "dd",
        "if=/dev/zero",
        "of=/dev/null",
        "bs=32M",
        "count=1",
    ]);
    wait_for(
        "the unlimited task to complete",
        Duration::from_secs(60),
        || {
            d.docker_ok(&["service", "ps", "free", "--format", "{{.CurrentState}}"])
                .starts_with("Complete")
        },
    );
}

/// `docker inspect` on the machine's engine (not the daemon under test).
fn engine_inspect(container: &str) -> Option<Value> {
    let out = std::process::Command::new("docker")
        .args(["inspect", container])
        .env_remove("DOCKER_HOST")
        .output()
        .expect("docker inspect");
    if !out.status.success() {
        return None;
    }
    let v: Value = serde_json::from_slice(&out.stdout).ok()?;
    v.get(0).cloned()
}

#[test]
fn docker_task_container_carries_the_limits() {
    if common::skip_without_docker("docker_task_container_carries_the_limits") {
        return;
    }
    ensure_test_image();
    let d = Daemon::start("docker");
    d.docker_ok(&["swarm", "init"]);
    d.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "capped",
        "--limit-cpu",
        "0.5",
        "--limit-memory",
        "64m",
        "--stop-grace-period",
        "1s",
        TEST_IMAGE,
        "sleep",
        "100000",
    ]);
    d.wait_running("capped", 1);
    let task = &d.running_tasks("capped")[0];
    let slot = task["Slot"].as_u64().expect("slot");
    let id = task["ID"].as_str().expect("task id");
    let name = format!("capped.{slot}.{id}");
    let info = engine_inspect(&name).unwrap_or_else(|| panic!("no container {name}"));
    let host = &info["HostConfig"];
    assert_eq!(host["NanoCpus"], 500_000_000, "{host}");
    assert_eq!(host["Memory"], 67_108_864, "{host}");
}
