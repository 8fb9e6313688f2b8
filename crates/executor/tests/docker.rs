//! The docker executor against the real engine at /var/run/docker.sock, using the local image
//! built by `scripts/build-test-image.sh`. Each test skips (with a message) when the engine does
//! not answer, and removes its containers even when it fails.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bollard::query_parameters::ListContainersOptionsBuilder;
use bollard::{ClientVersion, Docker};
use common::{assert_times, collect_logs, next_logs, task, texts_of};
use shoal_executor::docker::DockerExecutor;
use shoal_executor::{
    labels, ExecError, Executor, Exit, Limits, LogLine, LogOptions, LogSource, TaskRun,
};

const HOST: &str = "unix:///var/run/docker.sock";
const IMAGE: &str = "shoal-test/busybox:latest";

/// The executor, or `None` (after saying so) when there is no engine to test against.
async fn engine() -> Option<DockerExecutor> {
    let exec = match DockerExecutor::connect(HOST) {
        Ok(exec) => exec,
        Err(e) => {
            eprintln!("skipping: no docker engine at {HOST}: {e}");
            return None;
        }
    };
    if !exec.ping().await {
        eprintln!("skipping: the docker engine at {HOST} does not answer");
        return None;
    }
    Some(exec)
}

/// A plain bollard client to look at what the executor did (API 1.41 works on any engine here).
fn inspector() -> Docker {
    let v = ClientVersion {
        major_version: 1,
        minor_version: 41,
    };
    Docker::connect_with_unix(HOST, 60, &v).expect("docker client")
}

/// Removes the named container when the test ends, however it ends.
struct Cleanup(String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::process::Command::new("docker")
            .args(["rm", "-f", &self.0])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}

fn busybox(args: &[&str]) -> (TaskRun, Cleanup) {
    let run = task(IMAGE, args);
    let cleanup = Cleanup(run.task_name.clone());
    (run, cleanup)
}

/// Containers (running or not) labelled with `task_id`.
async fn containers_of(docker: &Docker, task_id: &str) -> usize {
    let filters = HashMap::from([("label", vec![format!("{}={task_id}", labels::TASK_ID)])]);
    let options = ListContainersOptionsBuilder::default()
        .all(true)
        .filters(&filters)
        .build();
    docker
        .list_containers(Some(options))
        .await
        .expect("list")
        .len()
}

#[tokio::test]
async fn reports_the_exit_code() {
    let Some(exec) = engine().await else { return };
    let (run, _cleanup) = busybox(&["sh", "-c", "exit 2"]);
    let mut ctl = exec.controller(run);
    ctl.prepare().await.expect("prepare");
    ctl.start().await.expect("start");
    assert_eq!(ctl.wait().await.expect("wait"), Exit { code: 2 });
    assert_eq!(ctl.wait().await.expect("wait again"), Exit { code: 2 });
    ctl.shutdown().await.expect("shutdown after exit");
    ctl.remove().await.expect("remove");
}

#[tokio::test]
async fn creates_the_container_with_name_labels_and_config() {
    let Some(exec) = engine().await else { return };
    let (mut run, _cleanup) = busybox(&["-c", "exit 0"]);
    run.command = vec!["sh".into()];
    run.env = vec!["A=1".into()];
    run.dir = Some("/tmp".into());
    run.hostname = Some("taskhost".into());
    run.labels = HashMap::from([("team".to_string(), "blue".to_string())]);
    let mut ctl = exec.controller(run.clone());
    ctl.prepare().await.expect("prepare");

    let docker = inspector();
    let info = docker
        .inspect_container(&run.task_name, None)
        .await
        .expect("container exists");
    assert_eq!(
        info.name.as_deref(),
        Some(format!("/{}", run.task_name).as_str())
    );
    let config = info.config.expect("config");
    let got = config.labels.expect("labels");
    for (key, want) in [
        (labels::SERVICE_ID, run.service_id.as_str()),
        (labels::SERVICE_NAME, run.service_name.as_str()),
        (labels::TASK_ID, run.task_id.as_str()),
        (labels::TASK_NAME, run.task_name.as_str()),
        (labels::NODE_ID, run.node_id.as_str()),
        (labels::MANAGED, "true"),
        ("team", "blue"),
    ] {
        assert_eq!(got.get(key).map(String::as_str), Some(want), "label {key}");
    }
    assert_eq!(config.image.as_deref(), Some(IMAGE));
    assert_eq!(config.entrypoint, Some(vec!["sh".to_string()]));
    assert_eq!(
        config.cmd,
        Some(vec!["-c".to_string(), "exit 0".to_string()])
    );
    assert!(config.env.unwrap_or_default().contains(&"A=1".to_string()));
    assert_eq!(config.working_dir.as_deref(), Some("/tmp"));
    assert_eq!(config.hostname.as_deref(), Some("taskhost"));

    ctl.remove().await.expect("remove");
    assert_eq!(containers_of(&docker, &run.task_id).await, 0);
    ctl.remove().await.expect("remove is idempotent");
}

#[tokio::test]
async fn the_engine_enforces_the_limits() {
    let Some(exec) = engine().await else { return };
    let (mut run, _cleanup) = busybox(&["sleep", "100"]);
    run.stop_grace = Duration::from_secs(1);
    run.limits = Limits {
        nano_cpus: 500_000_000,
        memory_bytes: 64 << 20,
        pids: 50,
    };
    run.memory_reservation = 32 << 20;
    let mut ctl = exec.controller(run.clone());
    ctl.prepare().await.expect("prepare");
    ctl.start().await.expect("start");

    let info = inspector()
        .inspect_container(&run.task_name, None)
        .await
        .expect("container exists");
    let hc = info.host_config.expect("host config");
    assert_eq!(hc.nano_cpus, Some(500_000_000));
    assert_eq!(hc.memory, Some(64 << 20));
    assert_eq!(hc.pids_limit, Some(50));
    assert_eq!(hc.memory_reservation, Some(32 << 20));
    ctl.remove().await.expect("remove");
}

#[tokio::test]
async fn rejects_a_missing_image() {
    let Some(exec) = engine().await else { return };
    let run = task("shoal-test/no-such-image:latest", &["true"]);
    let _cleanup = Cleanup(run.task_name.clone());
    let mut ctl = exec.controller(run);
    match ctl.prepare().await {
        Err(ExecError::Rejected(msg)) => assert!(msg.contains("No such image"), "{msg}"),
        other => panic!("expected Rejected, got {other:?}"),
    }
}

#[tokio::test]
async fn adopts_running_containers_and_stops_them_within_the_grace() {
    let Some(exec) = engine().await else { return };
    let (mut run, _cleanup) = busybox(&["sleep", "100"]);
    run.stop_grace = Duration::from_secs(1);
    let mut first = exec.controller(run.clone());
    first.prepare().await.expect("prepare");
    first.start().await.expect("start");

    assert_eq!(
        exec.running_tasks(&run.node_id)
            .await
            .expect("running tasks"),
        vec![run.task_id.clone()]
    );
    assert!(exec
        .running_tasks("some-other-node")
        .await
        .expect("running tasks")
        .is_empty());

    // A restarted daemon: a fresh controller for the same task adopts the container.
    drop(first);
    let mut again = exec.controller(run.clone());
    again.prepare().await.expect("prepare adopts");
    again
        .start()
        .await
        .expect("start of a running container is a no-op");
    let docker = inspector();
    assert_eq!(containers_of(&docker, &run.task_id).await, 1);

    // busybox sleep as PID 1 ignores SIGTERM: the engine kills it when the grace is over.
    let started = Instant::now();
    again.shutdown().await.expect("shutdown");
    let took = started.elapsed();
    assert!(
        took < run.stop_grace + Duration::from_secs(5),
        "shutdown took {took:?}"
    );
    assert_eq!(again.wait().await.expect("wait"), Exit { code: 137 });
    assert!(exec
        .running_tasks(&run.node_id)
        .await
        .expect("running tasks")
        .is_empty());

    again.remove().await.expect("remove");
    assert_eq!(containers_of(&docker, &run.task_id).await, 0);
}

#[tokio::test]
async fn describes_the_engine() {
    let Some(exec) = engine().await else { return };
    assert_eq!(exec.kind(), "docker");
    let facts = exec.describe().await.expect("describe");
    assert_eq!(facts.os, "linux");
    assert!(!facts.engine_version.is_empty());
    assert!(facts.nano_cpus >= 1_000_000_000);
    assert!(facts.memory_bytes > 0);
}

#[tokio::test]
async fn an_unreachable_engine_does_not_answer() {
    let exec = DockerExecutor::connect("tcp://127.0.0.1:1").expect("valid host");
    assert!(!exec.ping().await);
    let mut ctl = exec.controller(task(IMAGE, &["true"]));
    assert!(matches!(ctl.prepare().await, Err(ExecError::Rejected(_))));
}

/// How long a log stream may take in these tests.
const LOG_DEADLINE: Duration = Duration::from_secs(30);

async fn logs_of(exec: &DockerExecutor, run: &TaskRun, opts: LogOptions) -> Vec<LogLine> {
    let stream = exec.logs(run, opts).await.expect("logs");
    collect_logs(stream, LOG_DEADLINE).await
}

/// Asserts the time checks per stream: the engine logs each stream on its own.
fn assert_stream_times(lines: &[LogLine], from: std::time::SystemTime, to: std::time::SystemTime) {
    for source in [LogSource::Stdout, LogSource::Stderr] {
        let of_source: Vec<LogLine> = lines
            .iter()
            .filter(|l| l.source == source)
            .cloned()
            .collect();
        assert_times(&of_source, from, to);
    }
}

#[tokio::test]
async fn logs_come_back_per_stream_with_the_engines_time() {
    let Some(exec) = engine().await else { return };
    let (run, _cleanup) = busybox(&[
        "sh",
        "-c",
        "echo out1; echo err1 >&2; echo out2; echo err2 >&2; echo out3; printf 'no newline'",
    ]);
    let before = std::time::SystemTime::now();
    let mut ctl = exec.controller(run.clone());
    ctl.prepare().await.expect("prepare");
    ctl.start().await.expect("start");
    assert_eq!(ctl.wait().await.expect("wait"), Exit { code: 0 });
    let after = std::time::SystemTime::now();

    let every = logs_of(&exec, &run, LogOptions::default()).await;
    assert_eq!(
        texts_of(&every, LogSource::Stdout),
        ["out1\n", "out2\n", "out3\n", "no newline"]
    );
    assert_eq!(texts_of(&every, LogSource::Stderr), ["err1\n", "err2\n"]);
    assert_stream_times(&every, before, after);

    // tail: the last lines (whatever their stream).
    let tail = logs_of(
        &exec,
        &run,
        LogOptions {
            tail: Some(2),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(tail, every[every.len() - 2..]);
    let none = logs_of(
        &exec,
        &run,
        LogOptions {
            tail: Some(0),
            ..Default::default()
        },
    )
    .await;
    assert!(none.is_empty(), "{none:?}");

    // since: exact, although the engine only takes whole seconds.
    let since = every.iter().map(|l| l.timestamp).max().expect("lines");
    let expected: Vec<LogLine> = every
        .iter()
        .filter(|l| l.timestamp >= since)
        .cloned()
        .collect();
    let got = logs_of(
        &exec,
        &run,
        LogOptions {
            since: Some(since),
            ..Default::default()
        },
    )
    .await;
    assert!(!got.is_empty());
    let sorted = |mut v: Vec<LogLine>| {
        v.sort_by(|a, b| (a.timestamp, &a.data).cmp(&(b.timestamp, &b.data)));
        v
    };
    assert_eq!(sorted(got), sorted(expected));
    let future = std::time::SystemTime::now() + Duration::from_secs(3600);
    let got = logs_of(
        &exec,
        &run,
        LogOptions {
            since: Some(future),
            ..Default::default()
        },
    )
    .await;
    assert!(got.is_empty(), "{got:?}");
    ctl.remove().await.expect("remove");
}

#[tokio::test]
async fn follow_streams_until_the_container_exits() {
    let Some(exec) = engine().await else { return };
    let (run, _cleanup) = busybox(&[
        "sh",
        "-c",
        "i=0; while [ $i -lt 5 ]; do echo tick $i; i=$((i+1)); sleep 0.1; done; echo last >&2",
    ]);
    let mut ctl = exec.controller(run.clone());
    ctl.prepare().await.expect("prepare");
    ctl.start().await.expect("start");
    let called = std::time::SystemTime::now();
    let follow = LogOptions {
        follow: true,
        ..Default::default()
    };
    let lines = logs_of(&exec, &run, follow.clone()).await;
    assert_eq!(
        texts_of(&lines, LogSource::Stdout),
        ["tick 0\n", "tick 1\n", "tick 2\n", "tick 3\n", "tick 4\n"]
    );
    // The last line, written right before the exit, is there.
    assert_eq!(texts_of(&lines, LogSource::Stderr), ["last\n"]);
    assert!(
        lines.iter().any(|l| l.timestamp > called),
        "no line was written after the call"
    );
    assert_eq!(ctl.wait().await.expect("wait"), Exit { code: 0 });
    // Following a stopped container: what is there, then the end.
    assert_eq!(logs_of(&exec, &run, follow).await, lines);
    ctl.remove().await.expect("remove");
}

#[tokio::test]
async fn follow_with_tail_zero_gets_new_lines_until_the_container_stops() {
    let Some(exec) = engine().await else { return };
    let (mut run, _cleanup) = busybox(&[
        "sh",
        "-c",
        "trap 'exit 0' TERM; i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.1; done",
    ]);
    run.stop_grace = Duration::from_secs(5);
    let mut ctl = exec.controller(run.clone());
    ctl.prepare().await.expect("prepare");
    ctl.start().await.expect("start");
    let follow = LogOptions {
        follow: true,
        tail: Some(0),
        ..Default::default()
    };
    let mut stream = exec.logs(&run, follow).await.expect("logs");
    let lines = next_logs(&mut stream, 3, LOG_DEADLINE).await;
    let numbers: Vec<u32> = texts_of(&lines, LogSource::Stdout)
        .iter()
        .map(|t| t.trim().trim_start_matches("tick ").parse().expect("tick"))
        .collect();
    assert_eq!(numbers.len(), 3, "{lines:?}");
    assert_eq!(numbers, [numbers[0], numbers[0] + 1, numbers[0] + 2]);
    ctl.shutdown().await.expect("shutdown");
    let rest = collect_logs(stream, LOG_DEADLINE).await;
    assert!(
        rest.iter().all(|l| l.data.starts_with(b"tick ")),
        "{rest:?}"
    );
    ctl.remove().await.expect("remove");
}

#[tokio::test]
async fn a_missing_container_has_no_logs() {
    let Some(exec) = engine().await else { return };
    let (run, _cleanup) = busybox(&["true"]);
    for follow in [false, true] {
        let opts = LogOptions {
            follow,
            ..Default::default()
        };
        assert!(logs_of(&exec, &run, opts).await.is_empty());
    }
}
