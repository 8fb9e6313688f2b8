//! `logs` of the process executor against real host processes: the daemon reads the task's
//! pipes into its log file and serves the lines back, filtered and followed.

mod common;

use std::path::Path;
use std::time::{Duration, SystemTime};

use common::{assert_times, collect_logs, is_live, mkfifo, next_logs, task, texts_of};
use shoal_executor::process::ProcessExecutor;
use shoal_executor::{Executor, Exit, LogOptions, LogSource, TaskRun};

const DEADLINE: Duration = Duration::from_secs(20);

fn executor(dir: &Path) -> ProcessExecutor {
    ProcessExecutor::new(dir.join("logs"), "test-host".into())
}

fn sh(script: &str) -> TaskRun {
    task("ignored", &["sh", "-c", script])
}

fn all() -> LogOptions {
    LogOptions::default()
}

/// Runs `script` to its end; returns the run and how it exited.
async fn run_to_end(exec: &ProcessExecutor, script: &str) -> (TaskRun, Exit) {
    let run = sh(script);
    let mut ctl = exec.controller(run.clone());
    ctl.prepare().await.expect("prepare");
    ctl.start().await.expect("start");
    let exit = tokio::time::timeout(DEADLINE, ctl.wait())
        .await
        .expect("the task ended in time")
        .expect("wait");
    (run, exit)
}

#[tokio::test]
async fn both_streams_come_back_in_order_with_their_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exec = executor(dir.path());
    let before = SystemTime::now();
    let (run, exit) = run_to_end(
        &exec,
        "echo out1; echo err1 >&2; echo out2; echo err2 >&2; printf 'no newline'",
    )
    .await;
    let after = SystemTime::now();
    assert_eq!(exit, Exit { code: 0 });

    let lines = collect_logs(exec.logs(&run, all()).await.expect("logs"), DEADLINE).await;
    assert_eq!(
        texts_of(&lines, LogSource::Stdout),
        ["out1\n", "out2\n", "no newline"]
    );
    assert_eq!(texts_of(&lines, LogSource::Stderr), ["err1\n", "err2\n"]);
    assert_times(&lines, before, after);

    // The file: one CRI record per line.
    let text = std::fs::read_to_string(exec.log_path(&run.task_id)).expect("log file");
    assert_eq!(text.lines().count(), 5, "{text}");
    for record in text.lines() {
        let fields: Vec<&str> = record.splitn(4, ' ').collect();
        assert_eq!(fields.len(), 4, "{record}");
        assert!(
            fields[0].len() == 30 && fields[0].ends_with('Z') && fields[0].as_bytes()[19] == b'.',
            "{record}"
        );
        assert!(matches!(fields[1], "stdout" | "stderr"), "{record}");
        assert!(matches!(fields[2], "F" | "P"), "{record}");
    }
    // Across streams, records are in the order the daemon read them.
    assert!(text.contains(" stdout P no newline\n"), "{text}");
}

#[tokio::test]
async fn tail_and_since_select_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exec = executor(dir.path());
    let (run, _) = run_to_end(&exec, "for i in 1 2 3 4 5; do echo $i; done").await;
    let logs = |opts: LogOptions| {
        let exec = exec.clone();
        let run = run.clone();
        async move {
            let stream = exec.logs(&run, opts).await.expect("logs");
            collect_logs(stream, DEADLINE).await
        }
    };
    let every = logs(all()).await;
    assert_eq!(
        texts_of(&every, LogSource::Stdout),
        ["1\n", "2\n", "3\n", "4\n", "5\n"]
    );

    let tail = |n| LogOptions {
        tail: Some(n),
        ..all()
    };
    assert_eq!(
        texts_of(&logs(tail(2)).await, LogSource::Stdout),
        ["4\n", "5\n"]
    );
    assert!(logs(tail(0)).await.is_empty());
    assert_eq!(logs(tail(10)).await, every);

    // Lines read together share a time, so compare with the full list filtered.
    let since = every[2].timestamp;
    let expected: Vec<_> = every
        .iter()
        .filter(|l| l.timestamp >= since)
        .cloned()
        .collect();
    let since_opts = LogOptions {
        since: Some(since),
        ..all()
    };
    let got = logs(since_opts.clone()).await;
    assert_eq!(got, expected);
    assert!(got.len() >= 3);
    // Both: the last line, if it is recent enough (it is).
    let both = LogOptions {
        tail: Some(1),
        ..since_opts
    };
    assert_eq!(texts_of(&logs(both).await, LogSource::Stdout), ["5\n"]);
    let future = LogOptions {
        since: Some(SystemTime::now() + Duration::from_secs(3600)),
        ..all()
    };
    assert!(logs(future).await.is_empty());
}

#[tokio::test]
async fn follow_delivers_new_lines_and_ends_when_the_task_exits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exec = executor(dir.path());
    let run = sh("for i in 1 2 3 4 5; do echo tick $i; sleep 0.1; done; echo last >&2");
    let mut ctl = exec.controller(run.clone());
    ctl.prepare().await.expect("prepare");
    ctl.start().await.expect("start");
    let called = SystemTime::now();
    let follow = LogOptions {
        follow: true,
        ..all()
    };
    let lines = collect_logs(exec.logs(&run, follow).await.expect("logs"), DEADLINE).await;
    assert_eq!(
        texts_of(&lines, LogSource::Stdout),
        ["tick 1\n", "tick 2\n", "tick 3\n", "tick 4\n", "tick 5\n"]
    );
    assert_eq!(texts_of(&lines, LogSource::Stderr), ["last\n"]);
    assert!(
        lines.iter().any(|l| l.timestamp > called),
        "no line was written after the call"
    );
    // The stream ended because the task did.
    assert_eq!(ctl.wait().await.expect("wait"), Exit { code: 0 });

    // A follow on a task that is no longer running ends after what is there.
    let follow = LogOptions {
        follow: true,
        tail: Some(1),
        ..all()
    };
    let lines = collect_logs(exec.logs(&run, follow).await.expect("logs"), DEADLINE).await;
    assert_eq!(texts_of(&lines, LogSource::Stderr), ["last\n"]);
    ctl.remove().await.expect("remove");
}

#[tokio::test]
async fn follow_with_tail_zero_gets_only_new_lines_until_shutdown() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exec = executor(dir.path());
    let mut run = sh("i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.1; done");
    run.stop_grace = Duration::from_secs(5);
    let mut ctl = exec.controller(run.clone());
    ctl.prepare().await.expect("prepare");
    ctl.start().await.expect("start");
    let follow = LogOptions {
        follow: true,
        tail: Some(0),
        ..all()
    };
    let called = SystemTime::now();
    let mut stream = exec.logs(&run, follow).await.expect("logs");
    let lines = next_logs(&mut stream, 3, DEADLINE).await;
    assert!(lines.iter().all(|l| l.source == LogSource::Stdout));
    assert!(lines.iter().all(|l| l.timestamp >= called), "{lines:?}");
    // Consecutive ticks.
    let numbers: Vec<u32> = texts_of(&lines, LogSource::Stdout)
        .iter()
        .map(|t| t.trim().trim_start_matches("tick ").parse().expect("tick"))
        .collect();
    assert_eq!(numbers, [numbers[0], numbers[0] + 1, numbers[0] + 2]);

    ctl.shutdown().await.expect("shutdown");
    // What is left, then the end.
    let rest = collect_logs(stream, DEADLINE).await;
    assert!(
        rest.iter().all(|l| l.data.starts_with(b"tick ")),
        "{rest:?}"
    );
    ctl.remove().await.expect("remove");
}

#[tokio::test]
async fn the_last_lines_before_exit_are_in_the_log_when_wait_returns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exec = executor(dir.path());
    for _ in 0..5 {
        let (run, exit) = run_to_end(
            &exec,
            "i=0; while [ $i -lt 2000 ]; do echo $i; i=$((i+1)); done; echo last; exit 7",
        )
        .await;
        assert_eq!(exit, Exit { code: 7 });
        let lines = collect_logs(exec.logs(&run, all()).await.expect("logs"), DEADLINE).await;
        assert_eq!(lines.len(), 2001);
        assert_eq!(
            lines.last().map(|l| l.data.as_slice()),
            Some(&b"last\n"[..])
        );
    }
}

#[tokio::test]
async fn long_lines_are_cut_at_16_kib() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exec = executor(dir.path());
    let (run, _) = run_to_end(
        &exec,
        "head -c 40000 /dev/zero | tr '\\0' a; echo; echo short",
    )
    .await;
    let lines = collect_logs(exec.logs(&run, all()).await.expect("logs"), DEADLINE).await;
    let sizes: Vec<usize> = lines.iter().map(|l| l.data.len()).collect();
    assert_eq!(sizes, [16384, 16384, 40000 - 2 * 16384 + 1, 6]);
    let joined: Vec<u8> = lines.iter().flat_map(|l| l.data.clone()).collect();
    assert_eq!(joined, [vec![b'a'; 40000], b"\nshort\n".to_vec()].concat());
}

#[tokio::test]
async fn exit_is_reported_although_a_background_child_holds_the_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exec = executor(dir.path());
    // In the task's group: killed with it, so the pipes close.
    let (run, exit) = run_to_end(&exec, "sleep 100 & echo bye").await;
    assert_eq!(exit, Exit { code: 0 });
    let lines = collect_logs(exec.logs(&run, all()).await.expect("logs"), DEADLINE).await;
    assert_eq!(texts_of(&lines, LogSource::Stdout), ["bye\n"]);

    // Out of the group (its own session, which it reports having entered through the fifo):
    // it outlives the task and keeps the pipes open; the exit is still reported, with the
    // output written so far.
    let fifo = dir.path().join("escaped");
    mkfifo(&fifo);
    let script = format!(
        "setsid sh -c 'echo $$ > {0}; exec sleep 100' & read pid < {0}; echo stray $pid; echo bye",
        fifo.display()
    );
    let (run, exit) = run_to_end(&exec, &script).await;
    assert_eq!(exit, Exit { code: 0 });
    let lines = collect_logs(exec.logs(&run, all()).await.expect("logs"), DEADLINE).await;
    let texts = texts_of(&lines, LogSource::Stdout);
    let stray: Option<i32> = texts
        .first()
        .and_then(|t| t.trim().strip_prefix("stray ")?.parse().ok());
    let stray_was_live = stray.is_some_and(is_live);
    if let Some(pid) = stray {
        // SAFETY: kill(2) has no memory-safety preconditions.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    assert!(
        stray_was_live,
        "the stray should outlive the task: {texts:?}"
    );
    assert_eq!(texts[1..], ["bye\n"]);
    // A follow ends too: the writer gave up on the stray.
    let follow = LogOptions {
        follow: true,
        ..all()
    };
    let followed = collect_logs(exec.logs(&run, follow).await.expect("logs"), DEADLINE).await;
    assert_eq!(followed, lines);
}

#[tokio::test]
async fn no_log_file_is_an_empty_stream() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exec = executor(dir.path());
    let never_started = sh("echo hi");
    for follow in [false, true] {
        let opts = LogOptions { follow, ..all() };
        let stream = exec.logs(&never_started, opts).await.expect("logs");
        assert!(collect_logs(stream, DEADLINE).await.is_empty());
    }

    // Removing the task removes its logs.
    let run = sh("echo hi");
    let mut ctl = exec.controller(run.clone());
    ctl.prepare().await.expect("prepare");
    ctl.start().await.expect("start");
    ctl.wait().await.expect("wait");
    let lines = collect_logs(exec.logs(&run, all()).await.expect("logs"), DEADLINE).await;
    assert_eq!(lines.len(), 1);
    ctl.remove().await.expect("remove");
    let lines = collect_logs(exec.logs(&run, all()).await.expect("logs"), DEADLINE).await;
    assert!(lines.is_empty());
}
