//! Test support: start real `shoal daemon` processes on temporary data dirs and unix
//! sockets, drive them with the stock `docker` CLI or HTTP, and poll with deadlines.

#![allow(dead_code)]

pub mod testbed;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const SHOAL: &str = env!("CARGO_BIN_EXE_shoal");
pub const TEST_IMAGE: &str = "shoal-test/busybox:latest";

/// A `shoal daemon` child process with its own data dir and socket.
pub struct Daemon {
    pub dir: tempfile::TempDir,
    pub executor: &'static str,
    pub hostname: String,
    /// Further `shoal daemon` flags (e.g. `--label k=v`).
    pub extra: Vec<String>,
    child: Option<Child>,
}

impl Daemon {
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("shoal.sock")
    }

    pub fn host(&self) -> String {
        format!("unix://{}", self.socket().display())
    }

    /// Starts a daemon with the given executor and waits until its API answers.
    pub fn start(executor: &'static str) -> Daemon {
        Daemon::start_named(executor, "testnode")
    }

    /// Like `start`, with the node's hostname.
    pub fn start_named(executor: &'static str, hostname: &str) -> Daemon {
        Daemon::start_with(executor, hostname, &[])
    }

    /// Like `start_named`, with further daemon flags (kept for restarts).
    pub fn start_with(executor: &'static str, hostname: &str, extra: &[&str]) -> Daemon {
        let dir = tempfile::Builder::new()
            .prefix("shoal-it-")
            .tempdir()
            .expect("tempdir");
        let mut d = Daemon {
            dir,
            executor,
            hostname: hostname.to_string(),
            extra: extra.iter().map(|s| s.to_string()).collect(),
            child: None,
        };
        d.spawn();
        d
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("daemon.log"))
            .expect("log file");
        let mut cmd = Command::new(SHOAL);
        // The daemon dies with the test thread that started it, whatever happens to the test.
        // SAFETY: prctl in the forked child before exec; async-signal-safe.
        unsafe {
            use std::os::unix::process::CommandExt;
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = cmd
            .args(["daemon", "--data-dir"])
            .arg(self.data_dir())
            .args(["-H", &self.host(), "--executor", self.executor])
            .args(["--hostname", &self.hostname])
            .args(&self.extra)
            .env("SHOAL_LOG", "info,openraft=warn")
            .stdout(Stdio::null())
            .stderr(log.try_clone().expect("log"))
            .spawn()
            .expect("spawn shoal daemon");
        self.child = Some(child);
        let sock = self.socket();
        wait_for(
            "the daemon's API to answer",
            Duration::from_secs(30),
            || ping(&sock),
        );
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("daemon.log")).unwrap_or_default()
    }

    /// kill -9, as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM; returns the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let mut c = self.child.take().expect("daemon running");
        // SAFETY: sending a signal to our own child process.
        unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(st) = c.try_wait().expect("wait") {
                return st;
            }
            assert!(
                Instant::now() < deadline,
                "daemon ignored SIGTERM\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn restart(&mut self) {
        self.spawn();
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
        let out = self.docker(args);
        assert!(
            out.status.success(),
            "docker {args:?} failed: {}\n{}\n--- daemon log ---\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout),
            self.log()
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
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
        Command::new(SHOAL)
            .args(["-H", &self.host()])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run shoal CLI")
    }

    pub fn shoal_ok(&self, args: &[&str]) -> String {
        let out = self.shoal(args);
        assert!(
            out.status.success(),
            "shoal {args:?} failed: {}\n{}\n--- daemon log ---\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout),
            self.log()
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// An HTTP request over the daemon's socket: (status, body).
    pub fn http(&self, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
        http(&self.socket(), method, path, body)
    }

    /// `GET` returning JSON.
    pub fn get_json(&self, path: &str) -> serde_json::Value {
        let (status, body) = self.http("GET", path, None);
        assert_eq!(status, 200, "GET {path}: {body}");
        serde_json::from_str(&body).expect("json")
    }

    /// Tasks of a service that are running and meant to be.
    pub fn running_tasks(&self, service: &str) -> Vec<serde_json::Value> {
        let filter = format!(r#"{{"service":{{"{service}":true}}}}"#);
        let v = self.get_json(&format!("/tasks?filters={}", urlencode(&filter)));
        v.as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|t| t["Status"]["State"] == "running" && t["DesiredState"] == "running")
            .collect()
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

    pub fn wait_running(&self, service: &str, n: usize) {
        wait_for(
            &format!("{n} running tasks of {service}"),
            Duration::from_secs(60),
            || self.running_tasks(service).len() == n,
        );
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

/// A command's stdout and stderr together (progress goes to one, errors to the other).
pub fn output_text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // The daemon's side of a failed test, for CI logs.
            let log = self.log();
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            eprintln!("--- last lines of {}'s daemon log ---", self.hostname);
            for line in tail.iter().rev() {
                eprintln!("{line}");
            }
        }
        if self.child.is_some() {
            // Leave the swarm so docker-executor containers are removed, then stop.
            let _ = self.http("POST", "/swarm/leave?force=1", None);
            let _ = self.terminate();
        }
    }
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Polls `f` every 20 ms until it holds; panics with `what` after `limit`.
pub fn wait_for(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A minimal HTTP/1.1 client over a unix socket (Connection: close).
pub fn http(sock: &Path, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
    use std::io::{Read, Write};
    let Ok(mut s) = std::os::unix::net::UnixStream::connect(sock) else {
        return (0, String::new());
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(60)));
    let body = body.unwrap_or("");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: shoal\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    if s.write_all(req.as_bytes()).is_err() {
        return (0, String::new());
    }
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    (status, body)
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

pub fn ping(sock: &Path) -> bool {
    http(sock, "GET", "/_ping", None).0 == 200
}

/// True when the machine's Docker Engine answers (tests that need it skip otherwise).
pub fn engine_available() -> bool {
    Command::new("docker")
        .args(["version", "--format", "{{.Server.Version}}"])
        .env_remove("DOCKER_HOST")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Builds the busybox test image if missing (no registry is reachable here).
pub fn ensure_test_image() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/build-test-image.sh");
    let st = Command::new("bash")
        .arg(script)
        .env_remove("DOCKER_HOST")
        .status()
        .expect("run build-test-image.sh");
    assert!(st.success(), "building the test image failed");
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

/// A `shoal daemon` (process executor) on a temporary data dir and unix socket, started
/// with extra flags, which `Daemon` does not take. It is not waited for: call `wait_ready`,
/// or `wait_exit` when it is meant to refuse to start. SIGTERM (then SIGKILL) on drop.
pub struct DaemonWithArgs {
    pub dir: tempfile::TempDir,
    child: Child,
}

impl DaemonWithArgs {
    /// Starts it with `extra` flags and `env` set (e.g. `DOCKER_CERT_PATH`).
    pub fn spawn(extra: &[&str], env: &[(&str, &Path)]) -> DaemonWithArgs {
        let dir = tempfile::Builder::new()
            .prefix("shoal-it-")
            .tempdir()
            .expect("tempdir");
        let log = std::fs::File::create(dir.path().join("daemon.log")).expect("log file");
        let mut cmd = Command::new(SHOAL);
        // As in `Daemon::spawn`: the daemon dies with the test thread that started it.
        // SAFETY: prctl in the forked child before exec; async-signal-safe.
        unsafe {
            use std::os::unix::process::CommandExt;
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let sock = dir.path().join("shoal.sock");
        cmd.args(["daemon", "--data-dir"])
            .arg(dir.path().join("data"))
            .arg("-H")
            .arg(format!("unix://{}", sock.display()))
            .args(["--executor", "process", "--hostname", "testnode"])
            .args(extra)
            .env("SHOAL_LOG", "info,openraft=warn")
            // Hermetic: no TLS files from the environment unless the test passes some.
            .env_remove("DOCKER_CERT_PATH");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn shoal daemon");
        DaemonWithArgs { dir, child }
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("shoal.sock")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("daemon.log")).unwrap_or_default()
    }

    /// Waits until the API answers on the unix socket; panics (with the log) if the daemon
    /// exits first.
    pub fn wait_ready(&mut self) {
        let sock = self.socket();
        wait_for(
            "the daemon's API to answer",
            Duration::from_secs(30),
            || {
                if let Ok(Some(st)) = self.child.try_wait() {
                    panic!(
                        "the daemon exited ({st}) instead of starting:\n{}",
                        self.log()
                    );
                }
                ping(&sock)
            },
        );
    }

    /// Waits for the daemon to exit by itself; returns its status.
    pub fn wait_exit(&mut self, limit: Duration) -> std::process::ExitStatus {
        let mut status = None;
        wait_for("the daemon to exit", limit, || {
            status = self.child.try_wait().expect("wait");
            status.is_some()
        });
        status.expect("exited")
    }

    /// An HTTP request over the unix socket: (status, body).
    pub fn http(&self, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
        http(&self.socket(), method, path, body)
    }
}

impl Drop for DaemonWithArgs {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            // SAFETY: sending a signal to our own child process.
            unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
            let deadline = Instant::now() + Duration::from_secs(30);
            while let Ok(None) = self.child.try_wait() {
                if Instant::now() > deadline {
                    let _ = self.child.kill();
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = self.child.wait();
        }
    }
}
