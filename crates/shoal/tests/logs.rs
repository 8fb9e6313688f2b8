//! `service logs` end to end through the stock docker CLI and the shoal CLI: every task's
//! stdout and stderr with docker's `name.slot.id@node    | ` prefix, `--raw`,
//! `--no-task-ids`, `--timestamps`, `--tail`, one task's logs, `--follow` picking up new
//! lines, an unknown name refused; and in a cluster, a worker's task logs read through a
//! manager the worker is not connected to.

mod common;

use common::{free_port, output_text, wait_for, Daemon};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn lines(s: &str) -> Vec<String> {
    let mut v: Vec<String> = s.lines().map(str::to_string).collect();
    v.sort();
    v
}

#[test]
fn service_logs_through_the_docker_and_shoal_clis() {
    let d = Daemon::start_named("process", "logbox");
    d.docker_ok(&["swarm", "init"]);
    d.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "web",
        "--replicas",
        "2",
        "--stop-grace-period",
        "1s",
        "busybox",
        "sh",
        "-c",
        "echo out-line; echo err-line >&2; exec sleep 100000",
    ]);
    d.wait_running("web", 2);
    // Every task's two lines, stdout on stdout and stderr on stderr.
    let mut out = String::new();
    wait_for("both tasks' lines", Duration::from_secs(30), || {
        let o = d.docker(&["service", "logs", "web"]);
        out = output_text(&o);
        out.matches("out-line").count() == 2 && out.matches("err-line").count() == 2
    });
    let o = d.docker(&["service", "logs", "web"]);
    let stdout = String::from_utf8_lossy(&o.stdout).to_string();
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(
        !stdout.contains("err-line") && stdout.contains("out-line"),
        "{stdout}"
    );
    assert!(stderr.contains("err-line"), "{stderr}");
    let tasks = d.running_tasks("web");
    for t in &tasks {
        let id = t["ID"].as_str().unwrap();
        let slot = t["Slot"].as_u64().unwrap();
        let prefix = format!("web.{slot}.{}@logbox    | out-line", &id[..12]);
        assert!(stdout.contains(&prefix), "{prefix:?} in {stdout}");
    }

    // --raw, --no-task-ids, --timestamps, --tail.
    let raw = d.docker_ok(&["service", "logs", "--raw", "web"]);
    assert_eq!(lines(&raw), vec!["out-line", "out-line"]);
    let short = d.docker_ok(&["service", "logs", "--no-task-ids", "web"]);
    assert!(short.contains("web.1@logbox    | out-line"), "{short}");
    let stamped = d.docker_ok(&["service", "logs", "-t", "--raw", "web"]);
    for l in stamped.lines() {
        let (ts, rest) = l.split_once(' ').unwrap();
        assert!(ts.ends_with('Z') && ts.len() == 30, "{l}");
        assert_eq!(rest, "out-line");
    }
    let none = d.docker_ok(&["service", "logs", "--tail", "0", "web"]);
    assert_eq!(none.trim(), "");

    // One task's logs.
    let id = tasks[0]["ID"].as_str().unwrap();
    let one = d.docker_ok(&["service", "logs", "--raw", id]);
    assert_eq!(lines(&one), vec!["out-line"]);

    // Unknown names.
    let err = d.docker_err(&["service", "logs", "nosuch"]);
    assert!(err.contains("no such task or service: nosuch"), "{err}");

    // The shoal CLI prints the same.
    let own = d.shoal_ok(&["service", "logs", "web"]);
    for t in &tasks {
        let id = t["ID"].as_str().unwrap();
        let slot = t["Slot"].as_u64().unwrap();
        let prefix = format!("web.{slot}.{}@logbox    | out-line", &id[..12]);
        assert!(own.contains(&prefix), "{prefix:?} in {own}");
    }
    let err = d.shoal(&["service", "logs", "nosuch"]);
    assert!(output_text(&err).contains("no such task or service: nosuch"));
}

#[test]
fn follow_picks_up_new_lines() {
    let d = Daemon::start("process");
    d.docker_ok(&["swarm", "init"]);
    d.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "ticker",
        "--stop-grace-period",
        "1s",
        "busybox",
        "sh",
        "-c",
        "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done",
    ]);
    d.wait_running("ticker", 1);
    // --tail 0: only what is written from now on.
    let mut child = Command::new("docker")
        .args(["service", "logs", "-f", "--raw", "--tail", "0", "ticker"])
        .env("DOCKER_HOST", d.host())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("docker service logs -f");
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    while seen.len() < 3 && Instant::now() < deadline {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        seen.push(line.trim().to_string());
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(seen.len(), 3, "followed lines: {seen:?}");
    let n: Vec<u64> = seen
        .iter()
        .map(|l| l.trim_start_matches("tick ").parse().unwrap())
        .collect();
    assert!(n[0] < n[1] && n[1] < n[2], "{n:?}");
}

#[test]
fn a_workers_logs_through_another_manager() {
    let (m1, addr) = Daemon::init_manager("m1");
    let m2_addr = format!("127.0.0.1:{}", free_port());
    let m2 = Daemon::start_named("process", "m2");
    let token = m1.shoal_ok(&["swarm", "join-token", "-q", "manager"]);
    m2.shoal_ok(&[
        "swarm",
        "join",
        "--token",
        token.trim(),
        "--listen-addr",
        &m2_addr,
        "--advertise-addr",
        &m2_addr,
        &addr,
    ]);
    let w1 = Daemon::start_named("process", "w1");
    let wtoken = m1.shoal_ok(&["swarm", "join-token", "-q", "worker"]);
    w1.shoal_ok(&["swarm", "join", "--token", wtoken.trim(), &addr]);
    wait_for("w1 ready", Duration::from_secs(30), || {
        m2.node_rows()
            .iter()
            .any(|(h, s, _)| h == "w1" && s == "Ready")
    });
    m2.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "remote",
        "--constraint",
        "node.hostname==w1",
        "--stop-grace-period",
        "1s",
        "busybox",
        "sh",
        "-c",
        "echo from-the-worker; exec sleep 100000",
    ]);
    m2.wait_running("remote", 1);
    // w1's session is on m1 (it joined there): m2 relays the request.
    wait_for("the worker's line via m2", Duration::from_secs(30), || {
        m2.docker_ok(&["service", "logs", "remote"])
            .contains("@w1    | from-the-worker")
    });
    assert!(m1
        .docker_ok(&["service", "logs", "--raw", "remote"])
        .contains("from-the-worker"));
    drop(w1);
}

#[test]
fn docker_executor_task_logs() {
    if common::skip_without_docker("docker_executor_task_logs") {
        return;
    }
    common::ensure_test_image();
    let d = Daemon::start("docker");
    d.docker_ok(&["swarm", "init"]);
    d.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "boxed",
        "--stop-grace-period",
        "1s",
        common::TEST_IMAGE,
        "sh",
        "-c",
        "echo from-a-container; echo to-stderr >&2; exec sleep 100000",
    ]);
    d.wait_running("boxed", 1);
    wait_for("the container's lines", Duration::from_secs(30), || {
        let o = d.docker(&["service", "logs", "boxed"]);
        let out = String::from_utf8_lossy(&o.stdout);
        let err = String::from_utf8_lossy(&o.stderr);
        out.contains("| from-a-container") && err.contains("| to-stderr")
    });
}
