//! A `shoal daemon` started for the bench: its own temporary data dir and unix socket,
//! stderr kept in a log file, `POST /swarm/init` done. Dropping it leaves the swarm (which
//! removes docker-executor containers), stops the daemon (SIGTERM, then SIGKILL after 30 s)
//! and deletes the temporary directory.

use crate::http::Api;
use crate::sys;
use anyhow::{bail, Context, Result};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct ShoalDaemon {
    pub api: Api,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl ShoalDaemon {
    /// Starts `shoal daemon --executor <executor>` and initialises a one-node swarm.
    pub fn start(bin: &Path, executor: &'static str) -> Result<ShoalDaemon> {
        let dir = tempfile::Builder::new()
            .prefix("shoal-bench-")
            .tempdir()
            .context("creating a temp dir")?;
        let socket = dir.path().join("shoal.sock");
        let log = std::fs::File::create(dir.path().join("daemon.log"))?;
        let mut cmd = Command::new(bin);
        cmd.arg("daemon")
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .arg("-H")
            .arg(format!("unix://{}", socket.display()))
            .args(["--executor", executor, "--hostname", "benchnode"])
            .env("SHOAL_LOG", "info,openraft=warn")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        // SAFETY: prctl in the child before exec; async-signal-safe. If the bench dies
        // without running its guards, the daemon gets SIGTERM instead of lingering.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
        let child = cmd
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let mut d = ShoalDaemon {
            api: Api::new(&socket),
            dir,
            child: Some(child),
        };
        let up = sys::poll(Duration::from_secs(30), Duration::from_millis(20), || {
            if let Some(st) = d.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                bail!("shoal daemon exited at start ({st})");
            }
            Ok(d.api.ping().then_some(()))
        });
        match up {
            Ok(Some(())) => {}
            Ok(None) => bail!(
                "shoal daemon's API did not answer in 30 s\n{}",
                d.log_tail(40)
            ),
            Err(e) => bail!("{e}\n{}", d.log_tail(40)),
        }
        d.api
            .post_json(
                "/swarm/init",
                &serde_json::json!({"ListenAddr": "127.0.0.1:2377", "AdvertiseAddr": "127.0.0.1"}),
            )
            .with_context(|| format!("swarm init on shoal\n{}", d.log_tail(40)))?;
        Ok(d)
    }

    pub fn pid(&self) -> Option<i32> {
        self.child.as_ref().map(|c| c.id() as i32)
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("daemon.log")
    }

    /// The last `n` lines of the daemon's stderr.
    pub fn log_tail(&self, n: usize) -> String {
        let log = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let from = lines.len().saturating_sub(n);
        format!(
            "--- shoal daemon log (last {n} lines) ---\n{}",
            lines[from..].join("\n")
        )
    }

    /// WARN and ERROR lines of the daemon's stderr, for the report.
    pub fn complaints(&self) -> Vec<String> {
        std::fs::read_to_string(self.log_path())
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("WARN") || l.contains("ERROR"))
            .map(str::to_string)
            .collect()
    }

    /// Leaves the swarm and stops the daemon; also what `Drop` does.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        if matches!(child.try_wait(), Ok(None)) {
            let _ = self.api.request("POST", "/swarm/leave?force=1", None);
            // SAFETY: signalling our own child.
            unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                if !matches!(child.try_wait(), Ok(None)) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            if matches!(child.try_wait(), Ok(None)) {
                eprintln!("shoal-bench: shoal daemon ignored SIGTERM for 30 s; killing it");
                let _ = child.kill();
            }
        }
        let _ = child.wait();
    }

    /// Copies the daemon's log to `to` (kept after the temp dir is gone).
    pub fn save_log(&self, to: &Path) {
        if let Some(parent) = to.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::copy(self.log_path(), to);
    }
}

impl Drop for ShoalDaemon {
    fn drop(&mut self) {
        self.stop();
    }
}
