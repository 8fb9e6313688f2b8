//! Pid files, and the reaping of process groups a previous daemon left behind.
//!
//! Each running task has `<log_dir>/<task_id>.pid`, removed when its group is gone. The children
//! die with the daemon through PR_SET_PDEATHSIG, but that only reaches the direct child, not
//! what it spawned in the background; a pid file that outlives its daemon names such a group.
//!
//! Format: the pgid on the first line (so `kill -- -$(head -1 f.pid)` works by hand), then
//! `start_time=<ticks>` (the leader's start time, to notice pid reuse) and `boot_id=<id>` (a
//! file from an earlier boot names nothing of ours). Files with only the first line are accepted.
//!
//! A leftover task cgroup is marked by a file of its own, see [`cgroup`](super::cgroup).

use std::path::{Path, PathBuf};

use super::group::{kill_group_and_wait, parse_stat};

const BOOT_ID: &str = "/proc/sys/kernel/random/boot_id";

/// What a pid file records about a task's process group.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct PidFile {
    pub(crate) pgid: i32,
    pub(crate) start_time: Option<u64>,
    pub(crate) boot_id: Option<String>,
}

impl PidFile {
    /// Describes the group led by `pgid`, which must be running.
    pub(crate) async fn describe(pgid: i32) -> Self {
        Self {
            pgid,
            start_time: start_time(pgid).await,
            boot_id: boot_id().await,
        }
    }

    pub(crate) async fn write(&self, path: &Path) -> std::io::Result<()> {
        let mut text = format!("{}\n", self.pgid);
        if let Some(t) = self.start_time {
            text.push_str(&format!("start_time={t}\n"));
        }
        if let Some(b) = &self.boot_id {
            text.push_str(&format!("boot_id={b}\n"));
        }
        tokio::fs::write(path, text).await
    }

    fn parse(text: &str) -> Option<Self> {
        let mut lines = text.lines();
        let pgid = lines.next()?.trim().parse().ok()?;
        let mut file = Self {
            pgid,
            ..Self::default()
        };
        for line in lines {
            match line.split_once('=') {
                Some(("start_time", v)) => file.start_time = v.trim().parse().ok(),
                Some(("boot_id", v)) => file.boot_id = Some(v.trim().to_string()),
                _ => {}
            }
        }
        Some(file)
    }

    /// Whether the group may still be the one this file was written for.
    async fn still_ours(&self) -> bool {
        if let (Some(then), Some(now)) = (&self.boot_id, boot_id().await) {
            if *then != now {
                return false;
            }
        }
        // A leader that still exists (possibly as a zombie) must be the same process.
        match (self.start_time, start_time(self.pgid).await) {
            (Some(then), Some(now)) => then == now,
            _ => true,
        }
    }
}

/// Removes a pid file; a missing one is fine.
pub(crate) async fn remove_pid_file(path: &Path) {
    remove_file(path).await;
}

/// Removes a file of the log dir (pid file, cgroup marker); a missing one is fine, a failure is
/// logged.
pub(crate) async fn remove_file(path: &Path) {
    if let Err(e) = tokio::fs::remove_file(path).await {
        if e.kind() != std::io::ErrorKind::NotFound {
            tracing::warn!(path = %path.display(), error = %e, "removing file failed");
        }
    }
}

/// The names of the files in `dir` (none if it cannot be read; logged unless it is missing).
pub(crate) async fn file_names(dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    let mut entries = match tokio::fs::read_dir(dir).await {
        Ok(entries) => entries,
        Err(e) => {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(dir = %dir.display(), error = %e, "cannot list the task files");
            }
            return names;
        }
    };
    while let Ok(Some(entry)) = entries.next_entry().await {
        if let Ok(name) = entry.file_name().into_string() {
            names.push(name);
        }
    }
    names
}

/// Kills the groups named by the pid files in `dir` and deletes the files; returns how many
/// groups were killed. Must run before this daemon starts tasks in `dir`.
pub(crate) async fn reap(dir: &Path) -> usize {
    let mut entries = match tokio::fs::read_dir(dir).await {
        Ok(entries) => entries,
        Err(e) => {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(dir = %dir.display(), error = %e, "cannot list pid files");
            }
            return 0;
        }
    };
    let mut pid_files: Vec<PathBuf> = Vec::new();
    loop {
        match entries.next_entry().await {
            Ok(Some(entry)) => {
                let path = entry.path();
                if path.extension().is_some_and(|ext| ext == "pid") {
                    pid_files.push(path);
                }
            }
            Ok(None) => break,
            Err(e) => {
                tracing::warn!(dir = %dir.display(), error = %e, "listing pid files failed");
                break;
            }
        }
    }
    let mut killed = 0;
    for path in pid_files {
        if reap_one(&path).await {
            killed += 1;
        }
        remove_pid_file(&path).await;
    }
    killed
}

async fn reap_one(path: &Path) -> bool {
    let text = match tokio::fs::read_to_string(path).await {
        Ok(text) => text,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "reading pid file failed");
            return false;
        }
    };
    let Some(file) = PidFile::parse(&text).filter(|f| f.pgid > 1) else {
        tracing::warn!(path = %path.display(), "ignoring malformed pid file");
        return false;
    };
    if !file.still_ours().await || !super::group::group_alive(file.pgid).await {
        return false;
    }
    tracing::warn!(pgid = file.pgid, path = %path.display(), "killing leftover process group");
    kill_group_and_wait(file.pgid).await;
    true
}

async fn start_time(pid: i32) -> Option<u64> {
    let stat = tokio::fs::read_to_string(format!("/proc/{pid}/stat"))
        .await
        .ok()?;
    parse_stat(&stat).map(|s| s.start_time)
}

async fn boot_id() -> Option<String> {
    let id = tokio::fs::read_to_string(BOOT_ID).await.ok()?;
    Some(id.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_full_and_bare_pid_files() {
        assert_eq!(
            PidFile::parse("42\nstart_time=7\nboot_id=abc\n"),
            Some(PidFile {
                pgid: 42,
                start_time: Some(7),
                boot_id: Some("abc".into())
            })
        );
        assert_eq!(
            PidFile::parse("42\n"),
            Some(PidFile {
                pgid: 42,
                ..PidFile::default()
            })
        );
        assert_eq!(PidFile::parse("x\n"), None);
    }
}
