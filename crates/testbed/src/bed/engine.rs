//! A Docker Engine of a test-bed node: a `dockerd` of its own inside the node's network
//! namespace, so the node's containers sit behind the node's address and cutting the node's
//! link cuts their traffic too (the data plane, not only the daemons' RPCs).
//!
//! Everything of an engine is in one temporary directory: its config file (an empty one, so
//! the machine's `/etc/docker/daemon.json` does not apply), `--data-root`, `--exec-root`
//! (hence its own containerd), `--pidfile`, socket and log. It is started as
//! `nsenter --net=/run/netns/NS unshare --mount --propagation private dockerd ...`:
//!
//! * `nsenter --net` rather than `ip netns exec`, which remounts `/sys` and so hides the
//!   cgroup hierarchy dockerd needs ("Devices cgroup isn't mounted");
//! * a private mount namespace, so the engine's own mounts (its root made shared, the
//!   containers' network-namespace files) never show in the machine's mount table and vanish
//!   with its processes;
//! * `--storage-driver vfs`: works on any file system, and the test image is 2 MB;
//! * the engine's own firewall rules stay on (`--iptables`, the default): they are written
//!   into the node's namespace, not the machine's, and `docker0` is a bridge of that
//!   namespace, so several engines coexist with the machine's with their default addresses.
//!
//! Both `nsenter` and `unshare` exec without forking, so the child's pid is dockerd's. It
//! gets SIGTERM when the thread that started it dies (PDEATHSIG), and shuts down cleanly.
//! [`Engine::stop`] (also on drop) removes its containers, SIGTERMs it and waits, then
//! SIGKILLs whatever of it is left: dockerd, containerd, the shims and their containers.

use crate::client::Api;
use crate::drive::TEST_IMAGE;
use crate::procs::descendants;
use crate::wait::poll;
use anyhow::{anyhow, bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long dockerd may take to answer `/_ping`.
const START_LIMIT: Duration = Duration::from_secs(60);
/// How long a SIGTERMed dockerd may take to exit before its processes are killed.
const STOP_LIMIT: Duration = Duration::from_secs(20);

/// A `dockerd` in a node's network namespace (or prepared to be started there).
#[derive(Debug)]
pub struct Engine {
    dir: tempfile::TempDir,
    api: Api,
    ns: Option<String>,
    child: Option<Child>,
}

impl Engine {
    /// Its temporary directory, not started yet: [`host`](Self::host) is known already.
    pub fn prepare(dir_prefix: &str) -> Result<Engine> {
        let dir = tempfile::Builder::new()
            .prefix(dir_prefix)
            .tempdir()
            .context("creating the engine's temporary directory")?;
        let api = Api::new(dir.path().join("docker.sock"));
        Ok(Engine {
            dir,
            api,
            ns: None,
            child: None,
        })
    }

    /// The directory holding its data, socket and log.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `unix:///…/docker.sock`, for `--docker-host`, `-H` or `DOCKER_HOST`.
    pub fn host(&self) -> String {
        self.api.docker_host()
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir().join("dockerd.log")
    }

    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Its pid (dockerd's) while it runs.
    pub fn pid(&self) -> Option<i32> {
        self.child.as_ref().map(|c| c.id() as i32)
    }

    /// Starts dockerd in network namespace `ns`, waits until it answers and loads the test
    /// image into it from the machine's engine.
    pub fn start(&mut self, ns: &str) -> Result<()> {
        if self.child.is_some() {
            bail!("the engine in {ns} is already running");
        }
        self.ns = Some(ns.to_string());
        let d = self.dir().to_path_buf();
        std::fs::write(d.join("daemon.json"), "{}\n").context("writing daemon.json")?;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .context("opening the engine log")?;
        let mut cmd = Command::new("nsenter");
        cmd.arg(format!("--net=/run/netns/{ns}"))
            .args(["unshare", "--mount", "--propagation", "private", "dockerd"])
            .arg("--config-file")
            .arg(d.join("daemon.json"))
            .arg("--data-root")
            .arg(d.join("docker"))
            .arg("--exec-root")
            .arg(d.join("exec"))
            .arg("--pidfile")
            .arg(d.join("docker.pid"))
            .args(["-H", &self.host()])
            .args(["--storage-driver", "vfs", "--iptables=true"])
            .args(["--log-level", "warn"])
            .env_remove("DOCKER_HOST");
        // SAFETY: prctl in the forked child before exec; async-signal-safe. PDEATHSIG
        // survives the execs of nsenter and unshare (neither is set-uid). SIGTERM: dockerd
        // then stops its containers and its containerd itself.
        unsafe {
            use std::os::unix::process::CommandExt;
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .context("starting dockerd (nsenter, unshare and dockerd must be installed)")?;
        self.child = Some(child);
        self.wait_ready()?;
        self.load_image(TEST_IMAGE)
    }

    fn wait_ready(&mut self) -> Result<()> {
        let api = self.api.clone();
        let child = self.child.as_mut().ok_or_else(|| anyhow!("not running"))?;
        let up = poll(START_LIMIT, Duration::from_millis(50), || {
            if let Some(st) = child.try_wait()? {
                bail!("dockerd exited ({st}) instead of starting");
            }
            Ok(api.ping().then_some(()))
        });
        match up {
            Ok(Some(())) => Ok(()),
            Ok(None) => bail!(
                "dockerd did not answer in {START_LIMIT:?}\n{}",
                self.log_tail(30)
            ),
            Err(e) => {
                self.child = None;
                bail!("{e}\n{}", self.log_tail(30))
            }
        }
    }

    /// `docker save IMAGE | docker load` from the machine's engine into this one.
    pub fn load_image(&self, image: &str) -> Result<()> {
        let mut save = Command::new("docker")
            .args(["save", image])
            .env_remove("DOCKER_HOST")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("running docker save")?;
        let tar = save.stdout.take().expect("piped stdout");
        let load = Command::new("docker")
            .args(["-H", &self.host(), "load", "-q"])
            .stdin(tar)
            .output()
            .context("running docker load")?;
        let saved = save.wait_with_output().context("waiting for docker save")?;
        if !saved.status.success() {
            bail!(
                "docker save {image} (on the machine's engine; `bash scripts/build-test-image.sh` \
                 builds it): {}",
                String::from_utf8_lossy(&saved.stderr).trim()
            );
        }
        if !load.status.success() {
            bail!(
                "docker load into {}: {}",
                self.host(),
                String::from_utf8_lossy(&load.stderr).trim()
            );
        }
        Ok(())
    }

    /// Runs the docker CLI against this engine: its stdout (trimmed), or an error.
    pub fn docker(&self, args: &[&str]) -> Result<String> {
        let out = Command::new("docker")
            .args(["-H", &self.host()])
            .args(args)
            .env_remove("DOCKER_CONTEXT")
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("running docker {args:?}"))?;
        if !out.status.success() {
            bail!(
                "docker -H {} {}: {}",
                self.host(),
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// The last `n` lines of its log, under a header.
    pub fn log_tail(&self, n: usize) -> String {
        let log = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let from = lines.len().saturating_sub(n);
        format!(
            "--- dockerd log in {} (last {} lines) ---\n{}",
            self.ns.as_deref().unwrap_or("?"),
            lines.len() - from,
            lines[from..].join("\n")
        )
    }

    /// Removes its containers, SIGTERMs dockerd and waits for it, then kills whatever of
    /// the engine is left in its namespace (and the shims' containers). A no-op when it was
    /// never started.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // Containers first, with SIGKILL: dockerd's own shutdown would give each one its
        // 10 s stop timeout (a `sleep` as pid 1 ignores SIGTERM).
        if let Ok(list) = self.api.get_json("/containers/json?all=1") {
            for c in list.as_array().into_iter().flatten() {
                if let Some(id) = c["Id"].as_str() {
                    let _ = self
                        .api
                        .request("DELETE", &format!("/containers/{id}?force=1"), None);
                }
            }
        }
        // SAFETY: signalling our own child.
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + STOP_LIMIT;
        let mut exited = false;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                exited = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if !exited {
            crate::notice::notice(&format!(
                "testbed: dockerd in {} ignored SIGTERM for {STOP_LIMIT:?}; killing it",
                self.ns.as_deref().unwrap_or("?")
            ));
        }
        if let Some(ns) = &self.ns {
            kill_engine_processes(ns);
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Whether a process is part of a Docker Engine (by its `comm`, at most 15 characters).
fn is_engine_process(pid: i32) -> bool {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    let comm = comm.trim();
    ["dockerd", "containerd", "docker-proxy", "runc"]
        .iter()
        .any(|p| comm.starts_with(p))
}

/// SIGKILLs the engine processes in namespace `ns` and their descendants (containers live
/// in namespaces of their own, below their shims), descendants first collected.
pub(crate) fn kill_engine_processes(ns: &str) {
    let roots: Vec<i32> = super::net::netns_pids(ns)
        .into_iter()
        .filter(|&p| is_engine_process(p))
        .collect();
    let mut all: Vec<i32> = roots.iter().flat_map(|&r| descendants(r)).collect();
    all.extend(&roots);
    for pid in all {
        // SAFETY: a process of this bed's own engine (or one of its containers).
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
}

/// Whether this machine can run engines in namespaces: `dockerd`, `nsenter` and `unshare`
/// installed. (Namespaces and the machine's engine, the image's source, are checked apart.)
pub fn engine_tools_available() -> std::result::Result<(), String> {
    for (bin, arg) in [
        ("dockerd", "--version"),
        ("nsenter", "--version"),
        ("unshare", "--version"),
    ] {
        let ok = Command::new(bin)
            .arg(arg)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return Err(format!("`{bin} {arg}` does not run"));
        }
    }
    Ok(())
}
