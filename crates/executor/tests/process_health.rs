//! The process executor's health checks against real host processes: `healthy` waits for the
//! probe, an unhealthy task is stopped and reported with swarmkit's error, `NONE` disables.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{live_members, task};
use serde_json::json;
use shoal_executor::health::UNHEALTHY;
use shoal_executor::process::ProcessExecutor;
use shoal_executor::{ExecError, Executor, TaskRun};

fn executor(dir: &Path) -> ProcessExecutor {
    ProcessExecutor::new(dir.join("logs"), "test-host".into())
}

fn sleeper(healthcheck: serde_json::Value) -> TaskRun {
    let mut run = task("ignored", &["sleep", "1000"]);
    run.healthcheck = Some(serde_json::from_value(healthcheck).expect("health config"));
    run.stop_grace = Duration::from_secs(1);
    run
}

fn pgid_of(dir: &Path, run: &TaskRun) -> i32 {
    let text = std::fs::read_to_string(dir.join("logs").join(format!("{}.pid", run.task_id)))
        .expect("pid file while running");
    text.lines()
        .next()
        .and_then(|l| l.parse().ok())
        .expect("pgid")
}

#[tokio::test]
async fn healthy_waits_for_the_probe_to_pass() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ready = dir.path().join("ready");
    let exec = executor(dir.path());
    let run = sleeper(json!({
        "Test": ["CMD-SHELL", format!("test -f {}", ready.display())],
        "Interval": 50_000_000i64,
        "Retries": 1000,
    }));
    let mut ctl = exec.controller(run);
    ctl.prepare().await.expect("prepare");
    ctl.start().await.expect("start");
    assert!(
        tokio::time::timeout(Duration::from_millis(400), ctl.healthy())
            .await
            .is_err(),
        "healthy before the probe passes"
    );
    std::fs::write(&ready, "").expect("write");
    tokio::time::timeout(Duration::from_secs(10), ctl.healthy())
        .await
        .expect("healthy in time")
        .expect("healthy");
    ctl.shutdown().await.expect("shutdown");
    ctl.remove().await.expect("remove");
}

#[tokio::test]
async fn unhealthy_task_is_stopped_and_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exec = executor(dir.path());
    let run = sleeper(json!({"Test": ["CMD", "false"], "Interval": 50_000_000i64, "Retries": 2}));
    let mut ctl = exec.controller(run.clone());
    ctl.prepare().await.expect("prepare");
    ctl.start().await.expect("start");
    let pgid = pgid_of(dir.path(), &run);
    let unhealthy =
        |r: Result<_, ExecError>| matches!(r, Err(ExecError::Failed(m)) if m == UNHEALTHY);
    let health = tokio::time::timeout(Duration::from_secs(10), ctl.healthy())
        .await
        .expect("verdict in time");
    assert!(unhealthy(health.map(|_| ())));
    let exit = tokio::time::timeout(Duration::from_secs(10), ctl.wait())
        .await
        .expect("stopped in time");
    assert!(unhealthy(exit.map(|_| ())));
    assert!(
        live_members(pgid).is_empty(),
        "the task's processes are gone"
    );
    ctl.remove().await.expect("remove");
}

#[tokio::test]
async fn none_disables_the_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exec = executor(dir.path());
    let mut ctl = exec.controller(sleeper(json!({"Test": ["NONE"]})));
    ctl.prepare().await.expect("prepare");
    ctl.start().await.expect("start");
    tokio::time::timeout(Duration::from_secs(1), ctl.healthy())
        .await
        .expect("at once")
        .expect("healthy");
    ctl.remove().await.expect("remove");
}
