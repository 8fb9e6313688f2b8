//! One `shoal daemon` of a bench cluster (process executor), on its own data dir and unix
//! socket under the cluster's temp dir, with a fixed hostname and node address
//! (`127.0.0.1:<free port>`). It can be killed with SIGKILL, as a crash would, and started
//! again on the same data dir. The daemon gets SIGKILL if the bench dies (PDEATHSIG);
//! dropping the node stops it (SIGTERM, SIGKILL after a grace period). The daemons log at
//! `SHOAL_LOG=info,openraft=warn`, or at `$SHOAL_BENCH_LOG` when that is set.

use crate::http::Api;
use crate::sys;
use anyhow::{bail, Context, Result};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a daemon may take to answer `/_ping` after it starts.
const START_LIMIT: Duration = Duration::from_secs(30);

pub struct Node {
    pub hostname: String,
    /// The node address (raft and dispatcher RPC), `127.0.0.1:<port>`.
    pub addr: String,
    pub api: Api,
    bin: PathBuf,
    dir: PathBuf,
    child: Option<Child>,
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(l.local_addr()?.port())
}

impl Node {
    /// Starts a daemon in `dir` (created) and waits until its API answers.
    pub fn start(bin: &Path, dir: PathBuf, hostname: &str) -> Result<Node> {
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut n = Node {
            hostname: hostname.to_string(),
            addr: format!("127.0.0.1:{}", free_port()?),
            api: Api::new(dir.join("shoal.sock")),
            bin: bin.to_path_buf(),
            dir,
            child: None,
        };
        n.spawn()?;
        Ok(n)
    }

    fn spawn(&mut self) -> Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())?;
        let mut cmd = Command::new(&self.bin);
        cmd.arg("daemon")
            .arg("--data-dir")
            .arg(self.dir.join("data"))
            .arg("-H")
            .arg(self.api.docker_host())
            .args(["--executor", "process", "--hostname", &self.hostname])
            .env(
                "SHOAL_LOG",
                std::env::var("SHOAL_BENCH_LOG").unwrap_or_else(|_| "info,openraft=warn".into()),
            )
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        // SAFETY: prctl in the child before exec; async-signal-safe. A daemon never outlives
        // the bench, whatever happens to it.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        self.child = Some(
            cmd.spawn()
                .with_context(|| format!("starting {}", self.bin.display()))?,
        );
        let up = sys::poll(START_LIMIT, Duration::from_millis(20), || {
            if let Some(st) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                bail!("{}: shoal daemon exited at start ({st})", self.hostname);
            }
            Ok(self.api.ping().then_some(()))
        });
        match up {
            Ok(Some(())) => Ok(()),
            Ok(None) => bail!(
                "{}: the daemon's API did not answer in {START_LIMIT:?}\n{}",
                self.hostname,
                self.log_tail(30)
            ),
            Err(e) => bail!("{e}\n{}", self.log_tail(30)),
        }
    }

    pub fn pid(&self) -> Option<i32> {
        self.child.as_ref().map(|c| c.id() as i32)
    }

    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Runs the shoal CLI against this daemon; its stdout, or an error with its stderr.
    pub fn cli(&self, args: &[&str]) -> Result<String> {
        let out = Command::new(&self.bin)
            .arg("-H")
            .arg(self.api.docker_host())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("running shoal {args:?}"))?;
        if !out.status.success() {
            bail!(
                "{}: shoal {}: {}",
                self.hostname,
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// SIGKILL, as a crash would; returns at once after the process is reaped.
    pub fn kill9(&mut self) -> Result<()> {
        let mut c = self
            .child
            .take()
            .ok_or_else(|| anyhow::anyhow!("{} is not running", self.hostname))?;
        c.kill()?;
        c.wait()?;
        Ok(())
    }

    /// Starts the daemon again on the same data dir (it rejoins its swarm from there).
    pub fn restart(&mut self) -> Result<()> {
        if self.child.is_some() {
            bail!("{} is still running", self.hostname);
        }
        self.spawn()
    }

    /// Sends SIGTERM (a no-op when not running); see [`Node::reap`].
    pub fn terminate(&mut self) {
        if let Some(c) = &self.child {
            // SAFETY: signalling our own child.
            unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
        }
    }

    /// Waits until the daemon has exited, at most until `deadline`, then SIGKILLs it.
    pub fn reap(&mut self, deadline: Instant) {
        let Some(mut c) = self.child.take() else {
            return;
        };
        while Instant::now() < deadline && matches!(c.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(20));
        }
        if matches!(c.try_wait(), Ok(None)) {
            eprintln!(
                "shoal-bench: {} did not stop after SIGTERM; killing it",
                self.hostname
            );
            let _ = c.kill();
        }
        let _ = c.wait();
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.join("daemon.log")
    }

    /// The last `n` lines of the daemon's stderr.
    pub fn log_tail(&self, n: usize) -> String {
        let log = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let from = lines.len().saturating_sub(n);
        format!(
            "--- {} daemon log (last {n} lines) ---\n{}",
            self.hostname,
            lines[from..].join("\n")
        )
    }

    /// WARN and ERROR lines of the daemon's stderr.
    pub fn complaints(&self) -> Vec<String> {
        std::fs::read_to_string(self.log_path())
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains(" WARN ") || l.contains(" ERROR "))
            .map(str::to_string)
            .collect()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.terminate();
        self.reap(Instant::now() + Duration::from_secs(10));
    }
}
