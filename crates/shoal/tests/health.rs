//! Health checks end to end with the process executor: a task with a health check stays
//! `starting` until its probe succeeds; an unhealthy task fails with swarmkit's error and is
//! replaced under its restart policy; `--no-healthcheck` turns the check off. The same with
//! the docker executor (the engine runs the probe), skipped where no engine answers.

mod common;

use common::{ensure_test_image, urlencode, wait_for, Daemon, TEST_IMAGE};
use serde_json::Value;
use std::time::Duration;

const UNHEALTHY: &str = "dockerexec: unhealthy container";

/// All tasks of `service`, current and past.
fn tasks(d: &Daemon, service: &str) -> Vec<Value> {
    let filter = format!(r#"{{"service":{{"{service}":true}}}}"#);
    let v = d.get_json(&format!("/tasks?filters={}", urlencode(&filter)));
    v.as_array().cloned().unwrap_or_default()
}

fn state(t: &Value) -> &str {
    t["Status"]["State"].as_str().unwrap_or_default()
}

#[test]
fn task_is_starting_until_healthy() {
    let d = Daemon::start("process");
    d.shoal_ok(&["swarm", "init"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let ready = dir.path().join("ready");
    // Each probe leaves a line in `probes`, so the test can count the failed ones.
    let probes = dir.path().join("probes");
    let probe = format!(
        "echo probe >> {}; test -f {}",
        probes.display(),
        ready.display()
    );
    d.shoal_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "hc",
        "--health-cmd",
        &probe,
        "--health-interval",
        "100ms",
        "--health-retries",
        "2",
        // Failures inside the start period do not count.
        "--health-start-period",
        "60s",
        "--health-start-interval",
        "100ms",
        "--stop-grace-period",
        "1s",
        "busybox",
        "sleep",
        "100000",
    ]);
    wait_for("a starting task", Duration::from_secs(30), || {
        tasks(&d, "hc").iter().any(|t| state(t) == "starting")
    });
    // Probes keep failing, inside the start period: more failures than the retries allow,
    // yet still starting, never running.
    let count = || {
        std::fs::read_to_string(&probes)
            .map(|s| s.lines().count())
            .unwrap_or(0)
    };
    wait_for("5 failed probes", Duration::from_secs(30), || count() >= 5);
    let all = tasks(&d, "hc");
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(state(&all[0]), "starting", "{all:#?}");

    std::fs::write(&ready, "").expect("write ready file");
    d.wait_running("hc", 1);
    assert_eq!(tasks(&d, "hc").len(), 1, "the same task became running");

    // Healthy, then failing: past the start period, two failures make it unhealthy.
    std::fs::remove_file(&ready).expect("remove ready file");
    wait_for(
        "the task to fail unhealthy",
        Duration::from_secs(30),
        || {
            tasks(&d, "hc")
                .iter()
                .any(|t| state(t) == "failed" && t["Status"]["Err"].as_str() == Some(UNHEALTHY))
        },
    );
}

#[test]
fn unhealthy_task_fails_and_is_replaced_then_no_healthcheck_fixes_it() {
    let d = Daemon::start("process");
    d.shoal_ok(&["swarm", "init"]);
    d.shoal_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "sick",
        "--health-cmd",
        "exit 1",
        "--health-interval",
        "100ms",
        "--health-retries",
        "2",
        "--stop-grace-period",
        "1s",
        "busybox",
        "sleep",
        "100000",
    ]);
    wait_for(
        "an unhealthy task failed and replaced",
        Duration::from_secs(60),
        || {
            let all = tasks(&d, "sick");
            let failed = all
                .iter()
                .any(|t| state(t) == "failed" && t["Status"]["Err"].as_str() == Some(UNHEALTHY));
            failed && all.len() >= 2
        },
    );
    assert!(
        d.running_tasks("sick").is_empty(),
        "an unhealthy task never counts as running"
    );

    d.shoal_ok(&["service", "update", "-d", "--no-healthcheck", "sick"]);
    d.wait_running("sick", 1);
    let out = d.shoal_ok(&["service", "ps", "--no-trunc", "sick"]);
    assert!(
        out.contains(UNHEALTHY),
        "service ps shows the error:\n{out}"
    );
}

#[test]
fn no_healthcheck_runs_at_once() {
    let d = Daemon::start("process");
    d.shoal_ok(&["swarm", "init"]);
    d.shoal_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "plain",
        "--no-healthcheck",
        "busybox",
        "sleep",
        "100000",
    ]);
    d.wait_running("plain", 1);
    let spec = d.get_json("/services/plain");
    assert_eq!(
        spec["Spec"]["TaskTemplate"]["ContainerSpec"]["Healthcheck"]["Test"],
        serde_json::json!(["NONE"])
    );
}

/// Ids of the running containers of `service` on the machine's engine.
fn containers(service: &str) -> Vec<String> {
    let out = std::process::Command::new("docker")
        .args(["ps", "-q", "--filter"])
        .arg(format!("label=com.docker.swarm.service.name={service}"))
        .env_remove("DOCKER_HOST")
        .output()
        .expect("docker ps");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// The running containers of `service`, once there are any (a task is reported starting
/// before its container starts).
fn wait_containers(service: &str) -> Vec<String> {
    let mut ids = Vec::new();
    wait_for(
        &format!("a running container of {service}"),
        Duration::from_secs(60),
        || {
            ids = containers(service);
            !ids.is_empty()
        },
    );
    ids
}

/// `docker inspect --format FORMAT ID`, trimmed ("" when the container is gone).
fn inspect(id: &str, format: &str) -> String {
    let out = std::process::Command::new("docker")
        .args(["inspect", "--format", format, id])
        .env_remove("DOCKER_HOST")
        .output()
        .expect("docker inspect");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// `docker exec` into the running task container of `service` (on the machine's engine).
fn exec_in(service: &str, cmd: &[&str]) {
    for id in wait_containers(service) {
        let status = std::process::Command::new("docker")
            .arg("exec")
            .arg(&id)
            .args(cmd)
            .env_remove("DOCKER_HOST")
            .status()
            .expect("docker exec");
        assert!(status.success(), "docker exec {id} {cmd:?}");
    }
}

#[test]
fn docker_health_starting_healthy_and_unhealthy() {
    if common::skip_without_docker("docker_health_starting_healthy_and_unhealthy") {
        return;
    }
    ensure_test_image();
    let d = Daemon::start("docker");
    d.shoal_ok(&["swarm", "init"]);
    let common = [
        "--health-interval",
        "200ms",
        "--health-retries",
        "2",
        "--stop-grace-period",
        "1s",
    ];
    let create = |name: &str, probe: &str, extra: &[&str]| {
        let mut args = vec![
            "service",
            "create",
            "-d",
            "--name",
            name,
            "--health-cmd",
            probe,
        ];
        args.extend_from_slice(&common);
        args.extend_from_slice(extra);
        args.extend_from_slice(&[TEST_IMAGE, "sleep", "100000"]);
        d.shoal_ok(&args);
    };
    create(
        "dhc",
        "test -f /ready",
        &[
            "--health-start-period",
            "60s",
            "--health-start-interval",
            "200ms",
        ],
    );
    create("dsick", "exit 1", &[]);

    // The image's own HEALTHCHECK, and `--no-healthcheck` turning it off.
    let sick_image = build_unhealthy_image();
    d.shoal_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "dimg",
        "--stop-grace-period",
        "1s",
        &sick_image,
    ]);
    d.shoal_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "dimgoff",
        "--no-healthcheck",
        "--stop-grace-period",
        "1s",
        &sick_image,
    ]);

    wait_for("a starting container", Duration::from_secs(60), || {
        tasks(&d, "dhc").iter().any(|t| state(t) == "starting")
    });
    // The engine's probe log (it keeps the last 5 results) shows failed probes, more than
    // the retries allow, inside the start period: the task is still not running.
    let dhc = wait_containers("dhc");
    wait_for("4 failed probes of dhc", Duration::from_secs(60), || {
        let codes = inspect(&dhc[0], "{{range .State.Health.Log}}{{.ExitCode}} {{end}}");
        codes.split_whitespace().filter(|c| *c != "0").count() >= 4
    });
    assert!(d.running_tasks("dhc").is_empty(), "not healthy yet");
    exec_in("dhc", &["touch", "/ready"]);
    d.wait_running("dhc", 1);

    wait_for(
        "the unhealthy container's task failed and replaced",
        Duration::from_secs(60),
        || {
            let all = tasks(&d, "dsick");
            let failed = all
                .iter()
                .any(|t| state(t) == "failed" && t["Status"]["Err"].as_str() == Some(UNHEALTHY));
            failed && all.len() >= 2
        },
    );

    wait_for(
        "the image's HEALTHCHECK to fail its task",
        Duration::from_secs(60),
        || {
            tasks(&d, "dimg")
                .iter()
                .any(|t| state(t) == "failed" && t["Status"]["Err"].as_str() == Some(UNHEALTHY))
        },
    );
    d.wait_running("dimgoff", 1);
    // No probe runs at all: the engine keeps no health state for the container...
    let dimgoff = wait_containers("dimgoff");
    assert_eq!(
        inspect(
            &dimgoff[0],
            "{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}"
        ),
        "none",
        "--no-healthcheck: the image's HEALTHCHECK is off"
    );
    // ...and while the same image's check fails another task of dimg, dimgoff keeps its one.
    let unhealthy = |svc: &str| {
        tasks(&d, svc)
            .iter()
            .filter(|t| state(t) == "failed" && t["Status"]["Err"].as_str() == Some(UNHEALTHY))
            .count()
    };
    let before = unhealthy("dimg");
    wait_for(
        "the image's HEALTHCHECK to fail another task of dimg",
        Duration::from_secs(60),
        || unhealthy("dimg") > before,
    );
    assert_eq!(
        tasks(&d, "dimgoff").len(),
        1,
        "--no-healthcheck: never replaced"
    );

    // Healthy, then failing while running.
    exec_in("dhc", &["rm", "/ready"]);
    wait_for("dhc to fail unhealthy", Duration::from_secs(60), || {
        tasks(&d, "dhc")
            .iter()
            .any(|t| state(t) == "failed" && t["Status"]["Err"].as_str() == Some(UNHEALTHY))
    });
}

/// An image whose HEALTHCHECK always fails (built from the test image, no context needed).
fn build_unhealthy_image() -> String {
    use std::io::Write;
    let tag = "shoal-test/unhealthy:latest";
    let mut child = std::process::Command::new("docker")
        .args(["build", "-q", "-t", tag, "-"])
        .env_remove("DOCKER_HOST")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("docker build");
    let dockerfile = format!(
        "FROM {TEST_IMAGE}\nHEALTHCHECK --interval=200ms --retries=2 CMD exit 1\nCMD [\"sleep\", \"100000\"]\n"
    );
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(dockerfile.as_bytes())
        .expect("write Dockerfile");
    assert!(
        child.wait().expect("docker build").success(),
        "docker build"
    );
    tag.to_string()
}
