//! Test conveniences: daemons of the `shoal` binary under test, driven with the stock
//! `docker` CLI, the shoal CLI and HTTP; every helper panics with the daemon's log when a
//! step fails, so a test reads as a list of steps.
//!
//! The binary is `$SHOAL_BIN`, else the `shoal` cargo built next to the running test
//! (`<target>/<profile>/deps/<test>` → `<target>/<profile>/shoal`, the path cargo gives
//! integration tests as `CARGO_BIN_EXE_shoal`).

use crate::daemon::{Daemon, Launch};
use crate::wait::wait_for;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// The busybox image every docker-executor test runs (built by `ensure_test_image`).
pub const TEST_IMAGE: &str = "shoal-test/busybox:latest";

/// The `shoal` binary under test; panics, saying how to provide it, when there is none.
pub fn shoal_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let bin = match std::env::var_os("SHOAL_BIN") {
            Some(p) => PathBuf::from(p),
            None => std::env::current_exe()
                .ok()
                .and_then(|exe| Some(exe.parent()?.parent()?.join("shoal")))
                .unwrap_or_default(),
        };
        assert!(
            bin.is_file(),
            "no shoal binary at {bin:?}: run the tests with cargo (`cargo test -p shoal`) or \
             set SHOAL_BIN to a built `shoal`"
        );
        bin
    })
    .clone()
}

/// A command's stdout and stderr together (progress goes to one, errors to the other).
pub fn output_text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Lines of a table, split into cells on runs of 2+ spaces.
pub fn rows(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect()
        })
        .collect()
}

/// A free TCP port on 127.0.0.1 (bound then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn expect_ok(out: Output, what: &str, d: &Daemon) -> String {
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout),
        d.log_tail(200)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Daemon {
    /// Starts a daemon with the given executor and waits until its API answers.
    pub fn start(executor: &str) -> Daemon {
        Daemon::start_named(executor, "testnode")
    }

    /// Like `start`, with the node's hostname.
    pub fn start_named(executor: &str, hostname: &str) -> Daemon {
        Daemon::start_with(executor, hostname, &[])
    }

    /// Like `start_named`, with further daemon flags (kept for restarts).
    pub fn start_with(executor: &str, hostname: &str, extra: &[&str]) -> Daemon {
        Launch::new(shoal_bin())
            .executor(executor)
            .hostname(hostname)
            .args(extra)
            .start()
            .unwrap_or_else(|e| panic!("starting {hostname}: {e:#}"))
    }

    /// A process-executor daemon started with `extra` flags and `env` set, not waited for
    /// (`wait_ready`, or `wait_exit` when it is meant to refuse to start); it does not
    /// leave a swarm when dropped.
    pub fn spawn_with(extra: &[&str], env: &[(&str, &std::path::Path)]) -> Daemon {
        let mut l = Launch::new(shoal_bin()).args(extra);
        l.leave_on_drop = false;
        for (k, v) in env {
            l = l.env(k, v);
        }
        l.spawn()
            .unwrap_or_else(|e| panic!("spawning a daemon: {e:#}"))
    }

    /// Starts a process-executor manager `hostname` and inits a swarm on a free local
    /// port with a 1 s heartbeat; returns it with its address (for `swarm join`).
    pub fn init_manager(hostname: &str) -> (Daemon, String) {
        let m = Daemon::start_named("process", hostname);
        let addr = format!("127.0.0.1:{}", free_port());
        m.shoal_ok(&[
            "swarm",
            "init",
            "--listen-addr",
            &addr,
            "--advertise-addr",
            &addr,
            "--dispatcher-heartbeat",
            "1s",
        ]);
        (m, addr)
    }

    /// Starts it again after `kill` or `terminate`; panics with its log when it fails.
    pub fn restart(&mut self) {
        if let Err(e) = self.try_restart() {
            panic!("restarting {}: {e:#}", self.hostname);
        }
    }

    /// SIGTERM and wait; its exit status. Panics when it ignored the signal.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        self.try_terminate().unwrap_or_else(|e| panic!("{e:#}"))
    }

    /// Runs the stock docker CLI against this daemon.
    pub fn docker(&self, args: &[&str]) -> Output {
        Command::new("docker")
            .args(args)
            .env("DOCKER_HOST", self.host())
            .env_remove("DOCKER_CONTEXT")
            .stdin(Stdio::null())
            .output()
            .expect("run docker CLI")
    }

    /// Runs docker and asserts success; returns stdout.
    pub fn docker_ok(&self, args: &[&str]) -> String {
        expect_ok(self.docker(args), &format!("docker {args:?}"), self)
    }

    /// Runs docker, asserts failure, returns stderr.
    pub fn docker_err(&self, args: &[&str]) -> String {
        let out = self.docker(args);
        assert!(
            !out.status.success(),
            "docker {args:?} should have failed: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// Runs the shoal CLI against this daemon.
    pub fn shoal(&self, args: &[&str]) -> Output {
        Command::new(&self.launch().bin)
            .args(["-H", &self.host()])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run shoal CLI")
    }

    /// Runs the shoal CLI and asserts success; returns stdout.
    pub fn shoal_ok(&self, args: &[&str]) -> String {
        expect_ok(self.shoal(args), &format!("shoal {args:?}"), self)
    }

    /// `GET` returning JSON; panics unless it answers 200.
    pub fn get_json(&self, path: &str) -> serde_json::Value {
        let (status, body) = self.http("GET", path, None);
        assert_eq!(status, 200, "GET {path}: {body}");
        serde_json::from_str(&body).expect("json")
    }

    /// Tasks of a service that are running and meant to be.
    pub fn running_tasks(&self, service: &str) -> Vec<serde_json::Value> {
        let filter = format!(r#"{{"service":{{"{service}":true}}}}"#);
        let v = self.get_json(&format!(
            "/tasks?filters={}",
            crate::client::urlencode(&filter)
        ));
        v.as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|t| t["Status"]["State"] == "running" && t["DesiredState"] == "running")
            .collect()
    }

    /// Waits until `service` has `n` running tasks.
    pub fn wait_running(&self, service: &str, n: usize) {
        wait_for(
            &format!("{n} running tasks of {service}"),
            Duration::from_secs(60),
            || self.running_tasks(service).len() == n,
        );
    }

    /// (hostname, status, manager status) of every node as this daemon's `node ls` shows
    /// them; empty when the call fails (e.g. on a worker).
    pub fn node_rows(&self) -> Vec<(String, String, String)> {
        let out = self.shoal(&[
            "node",
            "ls",
            "--format",
            "{{.Hostname}}|{{.Status}}|{{.ManagerStatus}}",
        ]);
        if !out.status.success() {
            return Vec::new();
        }
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let mut f = l.split('|');
                Some((
                    f.next()?.to_string(),
                    f.next()?.to_string(),
                    f.next()?.to_string(),
                ))
            })
            .collect()
    }

    /// Hostnames of the nodes running `service`'s tasks meant to run, sorted, as the docker
    /// CLI's `service ps` shows them.
    pub fn running_hosts(&self, service: &str) -> Vec<String> {
        let out = self.docker_ok(&[
            "service",
            "ps",
            service,
            "--filter",
            "desired-state=running",
            "--format",
            "{{.Node}} {{.CurrentState}}",
        ]);
        let mut v: Vec<String> = out
            .lines()
            .filter(|l| l.contains("Running"))
            .map(|l| l.split(' ').next().unwrap_or("").to_string())
            .collect();
        v.sort();
        v
    }
}
