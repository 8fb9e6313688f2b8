//! The process executor's resource limits against the kernel's real cgroups: a task with limits
//! runs in `shoal/<task>` with them, joins it before exec (also when it runs as another user),
//! is OOM-killed past its memory limit, and its cgroup is gone once it stopped. Where cgroups
//! cannot be used (not root, no controllers, read-only mount) the cgroup checks skip, saying
//! why, and a task with limits must still run. A cgroup left by a crashed daemon is removed by
//! the next one's `reap_leftovers`, with what still ran in it, and nothing else is.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{is_live, mkfifo, read_fifo, task};
use shoal_executor::process::ProcessExecutor;
use shoal_executor::{Executor, Exit, Limits, TaskRun, RESOURCE_LIMITS_LABEL};

fn executor(dir: &Path) -> ProcessExecutor {
    ProcessExecutor::new(dir.join("logs"), "test-host".into())
}

/// The executor's `shoal.resource-limits` label, or `None` (after saying why) when this machine
/// offers no usable cgroups. Any other reason for not enforcing is a failure.
async fn enforced(exec: &ProcessExecutor) -> Option<String> {
    let facts = exec.describe().await.expect("describe");
    let label = facts
        .engine_labels
        .get(RESOURCE_LIMITS_LABEL)
        .cloned()
        .expect("the process executor always sets the resource-limits label");
    if !label.starts_with("unenforced") {
        return Some(label);
    }
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let unavailable = ["no cpu, memory or pids", "Read-only", "Permission denied"];
    if !root || unavailable.iter().any(|r| label.contains(r)) {
        eprintln!("skipping: cgroups cannot be used here: {label}");
        return None;
    }
    panic!("running as root with cgroup controllers, yet: {label}");
}

fn pid_of(dir: &Path, run: &TaskRun) -> i32 {
    let text = std::fs::read_to_string(dir.join("logs").join(format!("{}.pid", run.task_id)))
        .expect("pid file while running");
    text.lines()
        .next()
        .and_then(|l| l.parse().ok())
        .expect("pid")
}

/// The directory of the cgroup `pid` is in for `controller`, from /proc/<pid>/cgroup and the
/// mount table (v1: the hierarchy mounted with that controller; v2: the unified one).
fn cgroup_dir(pid: i32, controller: &str, v2: bool) -> PathBuf {
    let own = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).expect("proc cgroup");
    let path = own
        .lines()
        .find_map(|line| {
            let mut parts = line.splitn(3, ':');
            let (id, list, path) = (parts.next()?, parts.next()?, parts.next()?);
            let hit = if v2 {
                id == "0" && list.is_empty()
            } else {
                list.split(',').any(|c| c == controller)
            };
            hit.then(|| path.to_string())
        })
        .expect("the task's cgroup line");
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").expect("mountinfo");
    let mount = mounts
        .lines()
        .find_map(|line| {
            let (left, right) = line.split_once(" - ")?;
            let left: Vec<&str> = left.split(' ').collect();
            let right: Vec<&str> = right.split(' ').collect();
            let hit = if v2 {
                right[0] == "cgroup2"
                    && std::fs::read_to_string(Path::new(left[4]).join("cgroup.controllers"))
                        .is_ok_and(|c| !c.trim().is_empty())
            } else {
                right[0] == "cgroup" && right[2].split(',').any(|o| o == controller)
            };
            // Mounts of a sub-directory show paths below their root.
            let rel = path.strip_prefix(left[3].trim_end_matches('/'))?;
            hit.then(|| PathBuf::from(format!("{}{rel}", left[4])))
        })
        .expect("the cgroup mount");
    mount
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file))
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.join(file).display()))
        .trim()
        .to_string()
}

fn sleeper(limits: Limits) -> TaskRun {
    let mut run = task("ignored", &["sleep", "1000"]);
    run.limits = limits;
    run.stop_grace = Duration::from_secs(1);
    run
}

/// Starts `run`, checks it sits in its own cgroup with `limits` (and runs as `uid`), shuts it
/// down and checks the cgroup is gone.
async fn check_cgroup(run: TaskRun, uid: u32) {
    let dir = tempfile::tempdir().expect("tempdir");
    let exec = executor(dir.path());
    let Some(label) = enforced(&exec).await else {
        return;
    };
    let v2 = label.starts_with("cgroup2");
    let limits = run.limits;
    let mut ctl = exec.controller(run.clone());
    ctl.prepare().await.expect("prepare");
    ctl.start().await.expect("start");
    let pid = pid_of(dir.path(), &run);

    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    let real_uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().next())
        .expect("Uid line");
    assert_eq!(real_uid, uid.to_string());

    let memory = cgroup_dir(pid, "memory", v2);
    assert!(
        memory.ends_with(format!("shoal/{}", run.task_id)),
        "the task's cgroup is {}",
        memory.display()
    );
    let procs = read(&memory, "cgroup.procs");
    assert!(
        procs.lines().any(|p| p == pid.to_string()),
        "pid {pid} not in {procs:?}"
    );
    let cpu = cgroup_dir(pid, "cpu", v2);
    let pids = cgroup_dir(pid, "pids", v2);
    if v2 {
        assert_eq!(read(&memory, "memory.max"), limits.memory_bytes.to_string());
        assert_eq!(read(&cpu, "cpu.max"), "50000 100000");
    } else {
        assert_eq!(
            read(&memory, "memory.limit_in_bytes"),
            limits.memory_bytes.to_string()
        );
        assert_eq!(read(&cpu, "cpu.cfs_quota_us"), "50000");
        assert_eq!(read(&cpu, "cpu.cfs_period_us"), "100000");
    }
    assert_eq!(read(&pids, "pids.max"), limits.pids.to_string());

    ctl.shutdown().await.expect("shutdown");
    for d in [&memory, &cpu, &pids] {
        assert!(!d.exists(), "{} left after shutdown", d.display());
    }
    ctl.remove().await.expect("remove");
}

const LIMITS: Limits = Limits {
    nano_cpus: 500_000_000,
    memory_bytes: 64 << 20,
    pids: 50,
};

#[tokio::test]
async fn task_runs_in_its_own_cgroup_with_its_limits() {
    check_cgroup(sleeper(LIMITS), 0).await;
}

#[tokio::test]
async fn task_of_another_user_joins_its_cgroup_too() {
    let mut run = sleeper(LIMITS);
    // Joining a root-owned cgroup must happen before the switch to this user.
    run.user = Some("65534:65534".into());
    check_cgroup(run, 65534).await;
}

#[tokio::test]
async fn memory_past_the_limit_is_oom_killed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exec = executor(dir.path());
    // Where limits cannot be enforced the task must run anyway (unlimited, so dd completes).
    let enforced = enforced(&exec).await.is_some();
    // dd fills (hence touches) a 32 MiB buffer in one read: twice the limit, no swap counted.
    let mut run = task(
        "ignored",
        &["dd", "if=/dev/zero", "of=/dev/null", "bs=32M", "count=1"],
    );
    run.limits.memory_bytes = 16 << 20;
    let mut ctl = exec.controller(run);
    ctl.prepare().await.expect("prepare");
    ctl.start().await.expect("start");
    let exit = tokio::time::timeout(Duration::from_secs(30), ctl.wait())
        .await
        .expect("dd ends")
        .expect("wait");
    if enforced {
        assert_eq!(exit, Exit { code: 137 }, "SIGKILLed by the OOM killer");
    } else {
        assert_eq!(exit, Exit { code: 0 }, "runs unlimited");
    }
    ctl.remove().await.expect("remove");
}

#[tokio::test]
async fn the_same_task_without_limits_completes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exec = executor(dir.path());
    let run = task(
        "ignored",
        &["dd", "if=/dev/zero", "of=/dev/null", "bs=32M", "count=1"],
    );
    let mut ctl = exec.controller(run);
    ctl.prepare().await.expect("prepare");
    ctl.start().await.expect("start");
    let exit = tokio::time::timeout(Duration::from_secs(30), ctl.wait())
        .await
        .expect("dd ends")
        .expect("wait");
    assert_eq!(exit, Exit { code: 0 });
    ctl.remove().await.expect("remove");
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// A daemon killed with -9 leaves its task's cgroup behind, with what escaped the task's
/// process group (PDEATHSIG and the pid file cannot reach it) still running in it; the next
/// daemon's `reap_leftovers` kills that and removes the cgroup, leaving other cgroups of the
/// shared `shoal` subtree (another daemon's tasks) alone.
#[test]
fn reap_removes_the_cgroups_a_crashed_daemon_left() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("escaped");
    mkfifo(&fifo);
    let mut run = task(
        "ignored",
        &[
            "sh",
            "-c",
            "setsid sh -c 'echo $$ > \"$FIFO\"; exec sleep 1000' & exec sleep 1000",
        ],
    );
    run.env = vec![format!("FIFO={}", fifo.display())];
    run.limits = LIMITS;

    // The crashed daemon: its runtime vanishes while the task runs, so none of its clean-up
    // runs (the controller is forgotten; the watcher and log writer are dropped mid-flight,
    // which kills the leader as PDEATHSIG would).
    let crashed = runtime().block_on(async {
        let exec = executor(dir.path());
        let label = enforced(&exec).await?;
        let mut ctl = exec.controller(run.clone());
        ctl.prepare().await.expect("prepare");
        ctl.start().await.expect("start");
        let leader = pid_of(dir.path(), &run);
        let escaped: i32 = read_fifo(&fifo).await.trim().parse().expect("escaped pid");
        std::mem::forget(ctl);
        Some((label.starts_with("cgroup2"), leader, escaped))
    });
    let Some((v2, leader, escaped)) = crashed else {
        return;
    };
    let dirs: Vec<PathBuf> = ["memory", "cpu", "pids"]
        .into_iter()
        .map(|c| cgroup_dir(escaped, c, v2))
        .collect();
    for d in &dirs {
        assert!(
            d.ends_with(format!("shoal/{}", run.task_id)),
            "the escaped process is in {}",
            d.display()
        );
    }
    // Another daemon's task in the same subtree: not ours to touch.
    let foreign = dirs[0]
        .parent()
        .expect("subtree")
        .join(common::unique_id("foreign"));
    let _cleanup = Cleanup {
        pid: escaped,
        dirs: dirs.iter().chain([&foreign]).cloned().collect(),
    };
    assert!(is_live(escaped), "the escaped process runs on");
    std::fs::create_dir(&foreign).expect("mkdir foreign cgroup");

    let exec = executor(dir.path());
    runtime().block_on(exec.reap_leftovers());

    assert!(!is_live(escaped), "the escaped process survived the reap");
    assert!(!is_live(leader), "the leader survived the reap");
    for d in &dirs {
        assert!(!d.exists(), "{} left after the reap", d.display());
    }
    assert!(foreign.exists(), "another daemon's cgroup was removed");
    let mut left: Vec<String> = std::fs::read_dir(dir.path().join("logs"))
        .expect("ls")
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    left.sort();
    assert_eq!(
        left,
        vec![format!("{}.log", run.task_id)],
        "pid file and cgroup marker removed"
    );
}

/// Leaves nothing behind if the test fails: kills the process and removes the cgroups (polling,
/// with a deadline, while a killed process is still exiting).
struct Cleanup {
    pid: i32,
    dirs: Vec<PathBuf>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if is_live(self.pid) {
            // SAFETY: kill(2) has no memory-safety preconditions.
            unsafe { libc::kill(self.pid, libc::SIGKILL) };
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        for dir in &self.dirs {
            while dir.exists()
                && std::fs::remove_dir(dir).is_err()
                && std::time::Instant::now() < deadline
            {
                std::thread::yield_now();
            }
        }
    }
}
