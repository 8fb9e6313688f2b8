//! The process executor against real host processes.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{is_live, live_members, mkfifo, read_fifo, task};
use futures_util::StreamExt;
use shoal_executor::process::ProcessExecutor;
use shoal_executor::{ExecError, Executor, Exit, LogOptions, LogSource, TaskRun};

fn executor(dir: &Path) -> ProcessExecutor {
    ProcessExecutor::new(dir.join("logs"), "test-host".into())
}

/// The task's pgid, from the pid file written at start.
fn pgid_of(dir: &Path, run: &TaskRun) -> i32 {
    let text = std::fs::read_to_string(dir.join("logs").join(format!("{}.pid", run.task_id)))
        .expect("pid file while running");
    text.lines()
        .next()
        .and_then(|l| l.parse().ok())
        .expect("pgid")
}

#[tokio::test]
async fn reports_the_exit_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exec = executor(dir.path());
    let mut ctl = exec.controller(task("ignored", &["sh", "-c", "exit 3"]));
    ctl.prepare().await.expect("prepare");
    ctl.start().await.expect("start");
    assert_eq!(ctl.wait().await.expect("wait"), Exit { code: 3 });
    // Repeatable once exited.
    assert_eq!(ctl.wait().await.expect("wait again"), Exit { code: 3 });
    ctl.shutdown().await.expect("shutdown after exit");
    ctl.remove().await.expect("remove");
}

#[tokio::test]
async fn honours_env_dir_and_logs_both_streams() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path().join("work");
    std::fs::create_dir(&work).expect("mkdir");
    let exec = executor(dir.path());
    let mut run = task(
        "ignored",
        &[
            "-c",
            "echo \"$GREETING from $(pwd)\"; echo oops >&2; echo \"home=${HOME:-unset}\"",
        ],
    );
    run.command = vec!["sh".into()];
    run.env = vec!["GREETING=hello".into()];
    run.dir = Some(work.to_string_lossy().into_owned());
    let log = exec.log_path(&run.task_id);
    let mut ctl = exec.controller(run.clone());
    ctl.prepare().await.expect("prepare");
    ctl.start().await.expect("start");
    assert_eq!(ctl.wait().await.expect("wait"), Exit { code: 0 });
    assert!(log.exists(), "the log file is written");
    let lines = exec
        .logs(&run, LogOptions::default())
        .await
        .expect("logs")
        .map(|l| l.expect("log line"))
        .collect::<Vec<_>>()
        .await;
    let text = |source| {
        lines
            .iter()
            .filter(|l| l.source == source)
            .map(|l| String::from_utf8_lossy(&l.data).into_owned())
            .collect::<String>()
    };
    assert_eq!(
        text(LogSource::Stdout),
        format!("hello from {}\nhome=unset\n", work.display())
    );
    assert_eq!(text(LogSource::Stderr), "oops\n");
    ctl.remove().await.expect("remove");
    assert!(!log.exists(), "remove deletes the log");
}

#[tokio::test]
async fn rejects_what_cannot_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exec = executor(dir.path());

    let mut ctl = exec.controller(task("ignored", &["no-such-program-xyz", "arg"]));
    match ctl.prepare().await {
        Err(ExecError::Rejected(msg)) => assert_eq!(
            msg,
            "exec: \"no-such-program-xyz\": executable file not found in $PATH"
        ),
        other => panic!("expected Rejected, got {other:?}"),
    }

    let mut ctl = exec.controller(task("ignored", &[]));
    match ctl.prepare().await {
        Err(ExecError::Rejected(msg)) => assert!(msg.contains("needs a command"), "{msg}"),
        other => panic!("expected Rejected, got {other:?}"),
    }

    let mut run = task("ignored", &["true"]);
    run.dir = Some(dir.path().join("missing").to_string_lossy().into_owned());
    let mut ctl = exec.controller(run);
    assert!(matches!(ctl.prepare().await, Err(ExecError::Rejected(_))));
}

#[tokio::test]
async fn shutdown_kills_a_task_that_ignores_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("ready");
    mkfifo(&fifo);
    let exec = executor(dir.path());
    let mut run = task(
        "ignored",
        &[
            "sh",
            "-c",
            "trap '' TERM; echo ready > \"$FIFO\"; sleep 100",
        ],
    );
    run.env = vec![format!("FIFO={}", fifo.display())];
    run.stop_grace = Duration::from_millis(300);
    let mut ctl = exec.controller(run.clone());
    ctl.prepare().await.expect("prepare");
    ctl.start().await.expect("start");
    let pgid = pgid_of(dir.path(), &run);
    // The trap is set once it says so.
    assert_eq!(read_fifo(&fifo).await, "ready\n");
    assert!(!live_members(pgid).is_empty());

    let started = Instant::now();
    ctl.shutdown().await.expect("shutdown");
    assert!(
        started.elapsed() >= run.stop_grace,
        "SIGKILL came before the grace ended"
    );
    assert_eq!(ctl.wait().await.expect("wait"), Exit { code: 137 });
    assert_eq!(live_members(pgid), Vec::<i32>::new());
    ctl.remove().await.expect("remove");
}

#[tokio::test]
async fn shutdown_takes_background_children_down_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("child");
    mkfifo(&fifo);
    let exec = executor(dir.path());
    // The background child ignores SIGTERM; the main shell does not.
    let script = "(trap '' TERM; exec sleep 100) & echo $! > \"$FIFO\"; sleep 100";
    let mut run = task("ignored", &["sh", "-c", script]);
    run.env = vec![format!("FIFO={}", fifo.display())];
    let mut ctl = exec.controller(run.clone());
    ctl.prepare().await.expect("prepare");
    ctl.start().await.expect("start");
    let pgid = pgid_of(dir.path(), &run);
    let child: i32 = read_fifo(&fifo).await.trim().parse().expect("child pid");
    assert!(is_live(child));

    // wait() is cancel-safe: give up on it, shut down, then ask again.
    assert!(tokio::time::timeout(Duration::from_millis(50), ctl.wait())
        .await
        .is_err());
    let started = Instant::now();
    ctl.shutdown().await.expect("shutdown");
    assert!(
        started.elapsed() < run.stop_grace,
        "the shell obeys SIGTERM"
    );
    assert_eq!(ctl.wait().await.expect("wait"), Exit { code: 143 });
    assert!(!is_live(child), "background child survived");
    assert_eq!(live_members(pgid), Vec::<i32>::new());
    assert!(
        !dir.path()
            .join("logs")
            .join(format!("{}.pid", run.task_id))
            .exists(),
        "pid file removed once the group is gone"
    );
}

#[tokio::test]
async fn reap_leftovers_kills_groups_named_by_stale_pid_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).expect("mkdir");
    let fifo = dir.path().join("child");
    mkfifo(&fifo);

    // A "leftover" group: a leader and a background child, as a dead daemon would leave them.
    let mut leader = tokio::process::Command::new("sh")
        .args(["-c", "sleep 100 & echo $! > \"$FIFO\"; exec sleep 100"])
        .env("FIFO", &fifo)
        .process_group(0)
        .spawn()
        .expect("spawn");
    let pgid = leader.id().expect("pid") as i32;
    let child: i32 = read_fifo(&fifo).await.trim().parse().expect("child pid");
    std::fs::write(logs.join("old-task.pid"), format!("{pgid}\n")).expect("pid file");
    // A pid file whose group is long gone, and one from another boot: files go, nothing killed.
    let mut gone = tokio::process::Command::new("true").spawn().expect("spawn");
    let gone_pid = gone.id().expect("pid");
    gone.wait().await.expect("wait");
    std::fs::write(logs.join("gone.pid"), format!("{gone_pid}\n")).expect("pid file");
    std::fs::write(
        logs.join("other-boot.pid"),
        format!("{pgid}\nboot_id=not-this-boot\n"),
    )
    .expect("pid file");

    let exec = executor(dir.path());
    assert_eq!(exec.reap_leftovers().await, 1);

    use std::os::unix::process::ExitStatusExt;
    let status = leader.wait().await.expect("wait");
    assert_eq!(status.signal(), Some(libc::SIGKILL));
    assert!(!is_live(child), "background child survived");
    assert_eq!(live_members(pgid), Vec::<i32>::new());
    let left: Vec<_> = std::fs::read_dir(&logs).expect("ls").flatten().collect();
    assert!(left.is_empty(), "pid files left: {left:?}");
}

#[tokio::test]
async fn describes_the_host_and_adopts_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exec = executor(dir.path());
    assert_eq!(exec.kind(), "process");
    let facts = exec.describe().await.expect("describe");
    assert_eq!(facts.hostname, "test-host");
    assert_eq!(facts.os, "linux");
    assert!(facts.nano_cpus >= 1_000_000_000);
    assert!(facts.memory_bytes > 0);
    assert!(exec.running_tasks("n1").await.expect("running").is_empty());
}

/// Set in the environment of the helper process of `tasks_die_with_a_killed_daemon`.
const HELPER_ENV: &str = "SHOAL_EXECUTOR_PDEATHSIG_HELPER";

/// Not a test of its own: run as a separate "daemon" process by
/// `tasks_die_with_a_killed_daemon`. Starts a task that reports its pid, then blocks forever.
#[tokio::test]
async fn pdeathsig_helper() {
    let Ok(dir) = std::env::var(HELPER_ENV) else {
        return;
    };
    let dir = Path::new(&dir);
    let mut run = task(
        "ignored",
        &["sh", "-c", "echo $$ > \"$FIFO\"; exec sleep 100"],
    );
    run.env = vec![format!("FIFO={}", dir.join("fifo").display())];
    let mut ctl = executor(dir).controller(run);
    ctl.prepare().await.expect("prepare");
    ctl.start().await.expect("start");
    std::future::pending::<()>().await;
}

#[tokio::test]
async fn tasks_die_with_a_killed_daemon() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    let mut daemon = tokio::process::Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "pdeathsig_helper",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(HELPER_ENV, dir.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn helper");
    let task_pid: i32 = read_fifo(&fifo).await.trim().parse().expect("task pid");
    let task_exit = pidfd(task_pid);

    daemon.start_kill().expect("kill -9 the daemon");
    daemon.wait().await.expect("reap helper");
    let _exited = tokio::time::timeout(Duration::from_secs(10), task_exit.readable())
        .await
        .expect("the task outlived its daemon")
        .expect("pidfd");
}

/// A pidfd, readable once `pid` has exited: waits on a non-child without polling.
fn pidfd(pid: i32) -> tokio::io::unix::AsyncFd<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: pidfd_open has no memory-safety preconditions; a returned fd is ours to own.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    assert!(fd >= 0, "pidfd_open: {}", std::io::Error::last_os_error());
    let fd = unsafe { std::os::fd::OwnedFd::from_raw_fd(fd as i32) };
    // SAFETY: the OwnedFd keeps the descriptor open for the AsyncFd's whole life.
    unsafe { tokio::io::unix::AsyncFd::register_with_interest(fd, tokio::io::Interest::READABLE) }
        .expect("register pidfd")
}
