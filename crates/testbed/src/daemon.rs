//! The one daemon launcher: a `shoal daemon` child process on its own data dir and unix
//! socket, its stderr in `daemon.log` next to them, optionally inside a network namespace.
//!
//! [`Launch`] is the plain description (binary, executor, hostname, flags, environment,
//! namespace, what to do on drop); [`Daemon`] the running process. A daemon can be killed
//! with SIGKILL as a crash would, stopped with SIGTERM, and started again on the same data
//! dir with the same flags. It dies with the thread that started it (PDEATHSIG), so a
//! crashed test or bench leaves nothing behind. Dropping it stops it (leaving the swarm
//! first when asked to, which removes docker-executor containers).

use crate::client::Api;
use crate::wait::poll;
use anyhow::{anyhow, bail, Context, Result};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long a daemon may take to answer `/_ping` after it starts.
const START_LIMIT: Duration = Duration::from_secs(30);
/// How long a SIGTERM may take before the daemon is killed (on drop) or it is an error.
const STOP_LIMIT: Duration = Duration::from_secs(60);

/// How to start a daemon: plain data, kept for restarts.
#[derive(Debug, Clone)]
pub struct Launch {
    pub bin: PathBuf,
    pub executor: String,
    pub hostname: String,
    /// Further `shoal daemon` flags (e.g. `--label k=v`).
    pub extra: Vec<String>,
    /// Environment set for the daemon (it never inherits `DOCKER_CERT_PATH`).
    pub env: Vec<(String, OsString)>,
    /// `SHOAL_LOG`.
    pub log_filter: String,
    /// Run it in this network namespace (`ip netns exec NS shoal ...`; needs root).
    pub netns: Option<String>,
    /// The signal the daemon gets when the thread that started it dies.
    pub death_signal: libc::c_int,
    /// `POST /swarm/leave?force=1` before stopping it on drop.
    pub leave_on_drop: bool,
    /// Print the tail of its log when dropped during a panic.
    pub log_on_panic: bool,
    /// Prefix of the temporary directory holding its data dir, socket and log.
    pub dir_prefix: String,
}

impl Launch {
    /// The process executor, hostname `testnode`, `SHOAL_LOG=info,openraft=warn`.
    pub fn new(bin: impl Into<PathBuf>) -> Launch {
        Launch {
            bin: bin.into(),
            executor: "process".into(),
            hostname: "testnode".into(),
            extra: Vec::new(),
            env: Vec::new(),
            log_filter: "info,openraft=warn".into(),
            netns: None,
            death_signal: libc::SIGKILL,
            leave_on_drop: true,
            log_on_panic: true,
            dir_prefix: "shoal-it-".into(),
        }
    }

    pub fn executor(mut self, executor: &str) -> Launch {
        self.executor = executor.into();
        self
    }

    pub fn hostname(mut self, hostname: &str) -> Launch {
        self.hostname = hostname.into();
        self
    }

    pub fn args<S: AsRef<str>>(mut self, args: &[S]) -> Launch {
        self.extra
            .extend(args.iter().map(|s| s.as_ref().to_string()));
        self
    }

    pub fn env(mut self, key: &str, value: impl Into<OsString>) -> Launch {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Starts it: creates a temporary directory, spawns the daemon and waits until its API
    /// answers.
    pub fn start(self) -> Result<Daemon> {
        let mut d = self.spawn()?;
        d.wait_ready()?;
        Ok(d)
    }

    /// Like [`start`](Self::start) in `dir` (created; kept after the daemon is gone).
    pub fn start_in(self, dir: PathBuf) -> Result<Daemon> {
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut d = Daemon::new(self, Home::Kept(dir));
        d.spawn()?;
        d.wait_ready()?;
        Ok(d)
    }

    /// Spawns it in a temporary directory without waiting: see [`Daemon::wait_ready`] and
    /// [`Daemon::wait_exit`] (for a daemon meant to refuse to start).
    pub fn spawn(self) -> Result<Daemon> {
        let mut d = self.prepare()?;
        d.spawn()?;
        Ok(d)
    }

    /// Its temporary directory, the daemon not started yet ([`Daemon::try_restart`] starts
    /// it), for callers that set something up around it first (a network namespace).
    pub fn prepare(self) -> Result<Daemon> {
        let dir = tempfile::Builder::new()
            .prefix(&self.dir_prefix)
            .tempdir()
            .context("creating the daemon's temporary directory")?;
        Ok(Daemon::new(self, Home::Temp(dir)))
    }
}

/// Where a daemon's data dir, socket and log live.
#[derive(Debug)]
enum Home {
    Temp(tempfile::TempDir),
    Kept(PathBuf),
}

impl Home {
    fn path(&self) -> &Path {
        match self {
            Home::Temp(t) => t.path(),
            Home::Kept(p) => p,
        }
    }
}

/// A `shoal daemon` child process (or one that was killed and may be restarted).
#[derive(Debug)]
pub struct Daemon {
    pub hostname: String,
    /// Its API, on its unix socket.
    pub api: Api,
    launch: Launch,
    home: Home,
    child: Option<Child>,
}

impl Daemon {
    fn new(launch: Launch, home: Home) -> Daemon {
        Daemon {
            hostname: launch.hostname.clone(),
            api: Api::new(home.path().join("shoal.sock")),
            launch,
            home,
            child: None,
        }
    }

    pub fn launch(&self) -> &Launch {
        &self.launch
    }

    /// The directory holding its data dir, socket and log.
    pub fn dir(&self) -> &Path {
        self.home.path()
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir().join("data")
    }

    pub fn socket(&self) -> PathBuf {
        self.dir().join("shoal.sock")
    }

    /// `unix:///…/shoal.sock`, for `-H` or `DOCKER_HOST`.
    pub fn host(&self) -> String {
        self.api.docker_host()
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir().join("daemon.log")
    }

    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Its pid (a `pid_t`, as `/proc` and `kill` take it) while it runs.
    pub fn pid(&self) -> Option<i32> {
        self.child.as_ref().map(|c| c.id() as i32)
    }

    fn spawn(&mut self) -> Result<()> {
        if self.child.is_some() {
            bail!("{} is already running", self.hostname);
        }
        let l = &self.launch;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .context("opening the daemon log")?;
        let mut cmd = match &l.netns {
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns]).arg(&l.bin);
                c
            }
            None => Command::new(&l.bin),
        };
        let signal = l.death_signal;
        // SAFETY: prctl in the forked child before exec; async-signal-safe. PDEATHSIG
        // survives the exec of `ip` and its exec of shoal (neither is set-uid).
        unsafe {
            use std::os::unix::process::CommandExt;
            cmd.pre_exec(move || {
                libc::prctl(libc::PR_SET_PDEATHSIG, signal);
                Ok(())
            });
        }
        cmd.arg("daemon")
            .arg("--data-dir")
            .arg(self.data_dir())
            .args(["-H", &self.host(), "--executor", &l.executor])
            .args(["--hostname", &l.hostname])
            .args(&l.extra)
            .env("SHOAL_LOG", &l.log_filter)
            .env("NO_COLOR", "1")
            .env_remove("DOCKER_CERT_PATH");
        for (k, v) in &l.env {
            cmd.env(k, v);
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", l.bin.display()))?;
        self.child = Some(child);
        Ok(())
    }

    /// Waits until the API answers; an error (with the log) if the daemon exits first or
    /// does not answer in 30 s. In a namespace, also checks that the pid held is the
    /// daemon's own (so `kill` hits it, not a wrapper).
    pub fn wait_ready(&mut self) -> Result<()> {
        let name = self.hostname.clone();
        let api = self.api.clone();
        let child = self
            .child
            .as_mut()
            .ok_or_else(|| anyhow!("{name} is not running"))?;
        let up = poll(START_LIMIT, Duration::from_millis(20), || {
            if let Some(st) = child.try_wait()? {
                bail!("{name}: the daemon exited ({st}) instead of starting");
            }
            Ok(api.ping().then_some(()))
        });
        match up {
            Ok(Some(())) => {}
            Ok(None) => bail!(
                "{name}: the daemon's API did not answer in {START_LIMIT:?}\n{}",
                self.log_tail(40)
            ),
            Err(e) => bail!("{e}\n{}", self.log_tail(40)),
        }
        if self.launch.netns.is_some() {
            let pid = self.pid().unwrap_or_default();
            let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
            let bin = &self.launch.bin;
            let want = std::fs::canonicalize(bin).unwrap_or_else(|_| bin.clone());
            // `starts_with` on the text: a rebuilt binary shows as "… (deleted)".
            if !exe.to_string_lossy().starts_with(&*want.to_string_lossy()) {
                bail!("pid {pid} of {name} runs {exe:?}, not {want:?}");
            }
        }
        Ok(())
    }

    /// Waits for the daemon to exit by itself; its status.
    pub fn wait_exit(&mut self, limit: Duration) -> Result<ExitStatus> {
        let name = self.hostname.clone();
        let child = self
            .child
            .as_mut()
            .ok_or_else(|| anyhow!("{name} is not running"))?;
        let st = poll(limit, Duration::from_millis(20), || Ok(child.try_wait()?))?;
        let st = st.ok_or_else(|| anyhow!("{name} did not exit within {limit:?}"))?;
        self.child = None;
        Ok(st)
    }

    /// Starts it (again) on the same data dir and flags, and waits until its API answers.
    pub fn try_restart(&mut self) -> Result<()> {
        self.spawn()?;
        self.wait_ready()
    }

    /// SIGKILL, as a crash would; returns once the process is reaped. A no-op when it is
    /// not running.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Sends SIGTERM without waiting (a no-op when not running); see [`reap`](Self::reap).
    pub fn signal_term(&self) {
        if let Some(c) = &self.child {
            // SAFETY: signalling our own child.
            unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
        }
    }

    /// Waits until the daemon has exited, at most until `deadline`, then SIGKILLs it.
    /// Returns its status when it exited by itself.
    pub fn reap(&mut self, deadline: Instant) -> Option<ExitStatus> {
        let mut c = self.child.take()?;
        loop {
            match c.try_wait() {
                Ok(Some(st)) => return Some(st),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                _ => break,
            }
        }
        let _ = c.kill();
        let _ = c.wait();
        None
    }

    /// SIGTERM, waiting until it exits: a clean stop. Its exit status; an error (after a
    /// SIGKILL) when it ignored the signal for 60 s.
    pub fn try_terminate(&mut self) -> Result<ExitStatus> {
        if self.child.is_none() {
            bail!("{} is not running", self.hostname);
        }
        self.signal_term();
        self.reap(Instant::now() + STOP_LIMIT).ok_or_else(|| {
            anyhow!(
                "{} ignored SIGTERM for {STOP_LIMIT:?} and was killed\n{}",
                self.hostname,
                self.log_tail(40)
            )
        })
    }

    /// Leaves the swarm when [`Launch::leave_on_drop`] says so, then SIGTERM, then SIGKILL
    /// after a grace period; what `Drop` does.
    pub fn stop(&mut self) {
        if self.child.is_none() {
            return;
        }
        if self.launch.leave_on_drop {
            let _ = self.api.request("POST", "/swarm/leave?force=1", None);
        }
        self.signal_term();
        if self.reap(Instant::now() + STOP_LIMIT).is_none() {
            eprintln!("{}: the daemon ignored SIGTERM; killed it", self.hostname);
        }
    }

    /// Its whole log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// The last `n` lines of its log, under a header naming the daemon.
    pub fn log_tail(&self, n: usize) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        let from = lines.len().saturating_sub(n);
        format!(
            "--- {} daemon log (last {} lines) ---\n{}",
            self.hostname,
            lines.len() - from,
            lines[from..].join("\n")
        )
    }

    /// WARN and ERROR lines of its log.
    pub fn complaints(&self) -> Vec<String> {
        self.log()
            .lines()
            .filter(|l| l.contains(" WARN ") || l.contains(" ERROR "))
            .map(str::to_string)
            .collect()
    }

    /// Copies its log to `to` (kept after its directory is gone).
    pub fn save_log(&self, to: &Path) {
        if let Some(parent) = to.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::copy(self.log_path(), to);
    }

    /// An HTTP request over its socket: (status, body), `(0, "")` when it does not answer.
    pub fn http(&self, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
        self.api.call(method, path, body)
    }

    /// Runs the shoal CLI against it; its stdout (trimmed), or an error with its stderr.
    pub fn cli(&self, args: &[&str]) -> Result<String> {
        let out = Command::new(&self.launch.bin)
            .arg("-H")
            .arg(self.host())
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
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if self.launch.log_on_panic && std::thread::panicking() {
            // The daemon's side of a failed test, for CI logs.
            eprintln!("{}", self.log_tail(40));
        }
        self.stop();
    }
}
