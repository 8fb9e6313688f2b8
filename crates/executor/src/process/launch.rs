//! Turning a [`TaskRun`] into a host process: program lookup, environment, and the spawn itself.

use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::process::{Child, Command};

use crate::health::Probe;

use super::user::{self, Credentials};
use crate::{ExecError, TaskRun};

/// The PATH a task gets when the daemon has none (Docker's default).
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// A checked, ready-to-spawn command line.
#[derive(Debug, Clone)]
pub(crate) struct Launch {
    /// Resolved path of the program.
    program: PathBuf,
    /// argv, with argv[0] as the user wrote it.
    argv: Vec<String>,
    env: Vec<(String, String)>,
    cwd: Option<PathBuf>,
    credentials: Option<Credentials>,
    /// The task's network namespace (its sandbox), when it has one.
    netns: Option<PathBuf>,
}

impl Launch {
    /// Checks that `run` can be started: a command, an existing program and working directory,
    /// a known user. Everything found wrong here is a `Rejected`.
    pub(crate) async fn check(run: &TaskRun) -> Result<Self, ExecError> {
        let argv: Vec<String> = run.command.iter().chain(&run.args).cloned().collect();
        let Some(name) = argv.first() else {
            return Err(ExecError::Rejected(
                "the process executor needs a command: give the service a command or arguments"
                    .to_string(),
            ));
        };
        let cwd = match run.dir.as_deref().filter(|d| !d.is_empty()) {
            Some(dir) => {
                let is_dir = tokio::fs::metadata(dir).await.is_ok_and(|m| m.is_dir());
                if !is_dir {
                    return Err(ExecError::Rejected(format!(
                        "working directory {dir:?} does not exist or is not a directory"
                    )));
                }
                Some(PathBuf::from(dir))
            }
            None => None,
        };
        let env = environment(&run.env);
        let path_var = env
            .iter()
            .find(|(k, _)| k == "PATH")
            .map_or(DEFAULT_PATH, |(_, v)| v.as_str());
        let program = resolve_program(name, path_var, cwd.as_deref()).await?;
        let credentials = match run.user.as_deref().filter(|u| !u.is_empty()) {
            Some(spec) => Some(user::resolve(spec).await?),
            None => None,
        };
        Ok(Self {
            program,
            argv,
            env,
            cwd,
            credentials,
            netns: None,
        })
    }

    /// Runs the task (and its probes) in the network namespace at `path`.
    pub(crate) fn set_netns(&mut self, path: Option<PathBuf>) {
        self.netns = path;
    }

    /// Opens the namespace, for a pre-exec `setns`.
    fn open_netns(&self) -> io::Result<Option<std::fs::File>> {
        self.netns.as_ref().map(std::fs::File::open).transpose()
    }

    /// A health probe run as the task would be (same environment, directory and user), in
    /// its own process group so a probe that times out can be killed whole.
    pub(crate) fn probe_command(&self, probe: &Probe) -> Command {
        let mut cmd = match probe {
            Probe::Shell(line) => {
                let mut c = Command::new("/bin/sh");
                c.arg("-c").arg(line);
                c
            }
            Probe::Exec(argv) => {
                let mut c = Command::new(&argv[0]);
                c.args(&argv[1..]);
                c
            }
        };
        cmd.env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .kill_on_drop(true)
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(cwd) = &self.cwd {
            cmd.current_dir(cwd);
        }
        if let Some(creds) = self.credentials {
            cmd.uid(creds.uid).gid(creds.gid);
        }
        match self.open_netns() {
            Ok(Some(ns)) => {
                // SAFETY: setns is async-signal-safe; the file lives in the closure, which
                // lives as long as the command.
                unsafe {
                    cmd.pre_exec(move || join_netns(&ns));
                }
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, "opening the task's network namespace for a probe")
            }
        }
        cmd
    }

    /// Spawns the process with stdout and stderr on two pipes (the child's `stdout` and
    /// `stderr`, for the caller to drain into the log file), in a new session (hence its own
    /// process group, pgid = pid), set to receive SIGKILL when the daemon dies, and inside the
    /// cgroup whose `cgroup.procs` files are `cgroup_procs` (if any) before it execs, so
    /// neither it nor anything it forks runs a moment outside its limits. The daemon's ends of
    /// the pipes are close-on-exec: no other task inherits them.
    ///
    /// Caveat: PR_SET_PDEATHSIG fires when the *thread* that forked the child exits, not the
    /// process, so the fork happens on the [`spawner`](super::spawner) thread, which lives as
    /// long as the process. The signal reaches only this child, not what it spawns; pid files
    /// and [`reap_leftovers`](super::ProcessExecutor::reap_leftovers) cover those.
    pub(crate) async fn spawn(&self, cgroup_procs: &[PathBuf]) -> io::Result<Child> {
        let mut cmd = Command::new(&self.program);
        cmd.arg0(&self.argv[0])
            .args(&self.argv[1..])
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            // A start cancelled before its watcher owns the child must not leak it.
            .kill_on_drop(true)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(cwd) = &self.cwd {
            cmd.current_dir(cwd);
        }
        let procs: Vec<CString> = cgroup_procs
            .iter()
            .map(|p| CString::new(p.as_os_str().as_bytes()))
            .collect::<Result<_, _>>()?;
        // std switches user before running pre_exec hooks, and an unprivileged process may not
        // join a root-owned cgroup: with a cgroup to join, the hook switches user itself, after
        // joining.
        let mut switch_to = None;
        if let Some(creds) = self.credentials {
            if procs.is_empty() {
                cmd.uid(creds.uid).gid(creds.gid);
            } else {
                switch_to = Some(creds);
            }
        }
        let parent = std::process::id();
        // Opened here, joined between fork and exec, closed (by drop) after the spawn.
        let netns = self.open_netns()?;
        let netns_fd = netns.as_ref().map(std::os::fd::AsRawFd::as_raw_fd);
        // SAFETY: the closure runs between fork and exec, so it only makes async-signal-safe
        // calls (setns, setsid, prctl, getppid, open, write, close, set*id) and does not
        // allocate.
        unsafe {
            cmd.pre_exec(move || {
                if let Some(fd) = netns_fd {
                    if libc::setns(fd, libc::CLONE_NEWNET) == -1 {
                        return Err(io::Error::last_os_error());
                    }
                }
                if libc::setsid() == -1 {
                    return Err(io::Error::last_os_error());
                }
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) == -1 {
                    return Err(io::Error::last_os_error());
                }
                // The daemon died before prctl took effect: the signal will never come.
                if libc::getppid() as u32 != parent {
                    return Err(io::Error::from_raw_os_error(libc::ESRCH));
                }
                for path in &procs {
                    join_cgroup(path)?;
                }
                if let Some(creds) = switch_to {
                    switch_user(creds)?;
                }
                Ok(())
            });
        }
        let child = super::spawner::spawn(cmd).await;
        drop(netns);
        child
    }
}

/// Joins the network namespace open at `ns`. Async-signal-safe: called between fork and exec.
fn join_netns(ns: &std::fs::File) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: a plain syscall on an open descriptor.
    if unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Moves the calling process into the cgroup of `procs` (its `cgroup.procs`; "0" means the
/// writer). Async-signal-safe: called between fork and exec.
fn join_cgroup(procs: &CString) -> io::Result<()> {
    // SAFETY: a valid NUL-terminated path and a one-byte buffer that outlives the call.
    unsafe {
        let fd = libc::open(procs.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
        if fd == -1 {
            return Err(io::Error::last_os_error());
        }
        let written = libc::write(fd, b"0".as_ptr().cast(), 1);
        let err = (written != 1).then(io::Error::last_os_error);
        libc::close(fd);
        err.map_or(Ok(()), Err)
    }
}

/// What std's `uid`/`gid` do, for when the switch must come after other pre-exec steps: drop
/// supplementary groups (when allowed), then the group, then the user. Async-signal-safe.
fn switch_user(creds: Credentials) -> io::Result<()> {
    // SAFETY: plain syscalls without pointers (setgroups gets an empty list).
    unsafe {
        if libc::setgroups(0, std::ptr::null()) == -1 {
            let err = io::Error::last_os_error();
            // Without CAP_SETGID there are no groups to drop that could matter.
            if err.raw_os_error() != Some(libc::EPERM) {
                return Err(err);
            }
        }
        if libc::setgid(creds.gid) == -1 || libc::setuid(creds.uid) == -1 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// The task's environment: the daemon's PATH (so commands are found as on the host), then the
/// task's `KEY=VALUE` entries on top. Nothing else leaks from the daemon's environment.
fn environment(task_env: &[String]) -> Vec<(String, String)> {
    let path = std::env::var("PATH").unwrap_or_else(|_| DEFAULT_PATH.to_string());
    let mut env = vec![("PATH".to_string(), path)];
    for entry in task_env {
        let Some((key, value)) = entry.split_once('=') else {
            tracing::debug!(entry = %entry, "ignoring env entry without '='");
            continue;
        };
        env.retain(|(k, _)| k != key);
        env.push((key.to_string(), value.to_string()));
    }
    env
}

/// Finds the program as execvp would, with Docker's messages when it cannot.
async fn resolve_program(
    name: &str,
    path_var: &str,
    cwd: Option<&Path>,
) -> Result<PathBuf, ExecError> {
    if name.contains('/') {
        let path = match cwd {
            Some(cwd) if !name.starts_with('/') => cwd.join(name),
            _ => PathBuf::from(name),
        };
        return match tokio::fs::metadata(&path).await {
            Ok(meta) if is_executable(&meta) => Ok(path),
            Ok(_) => Err(ExecError::Rejected(format!(
                "exec: {name:?}: permission denied"
            ))),
            Err(e) => Err(ExecError::Rejected(format!(
                "exec: {name:?}: stat {name}: {}",
                describe_io(&e)
            ))),
        };
    }
    for dir in path_var.split(':') {
        // An empty PATH entry means the current directory.
        let candidate = match (dir, cwd) {
            ("", Some(cwd)) => cwd.join(name),
            ("", None) => PathBuf::from(name),
            (dir, _) => Path::new(dir).join(name),
        };
        if let Ok(meta) = tokio::fs::metadata(&candidate).await {
            if is_executable(&meta) {
                return Ok(candidate);
            }
        }
    }
    Err(ExecError::Rejected(format!(
        "exec: {name:?}: executable file not found in $PATH"
    )))
}

fn is_executable(meta: &std::fs::Metadata) -> bool {
    meta.is_file() && meta.permissions().mode() & 0o111 != 0
}

/// Go's wording for the common errors ("no such file or directory"), since users compare with
/// Docker's messages.
fn describe_io(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_env_overrides_path() {
        let env = environment(&["PATH=/x".into(), "A=1=2".into(), "junk".into()]);
        assert_eq!(
            env,
            vec![("PATH".into(), "/x".into()), ("A".into(), "1=2".into())]
        );
    }

    #[tokio::test]
    async fn resolves_like_execvp() {
        let sh = resolve_program("sh", DEFAULT_PATH, None).await.ok();
        assert!(sh.is_some_and(|p| p.is_absolute() && p.ends_with("sh")));
        let err = resolve_program("no-such-prog", DEFAULT_PATH, None).await;
        assert_eq!(
            err.err().map(|e| e.to_string()).as_deref(),
            Some("exec: \"no-such-prog\": executable file not found in $PATH")
        );
        let err = resolve_program("/no/such", DEFAULT_PATH, None).await;
        assert_eq!(
            err.err().map(|e| e.to_string()).as_deref(),
            Some("exec: \"/no/such\": stat /no/such: no such file or directory")
        );
    }
}
