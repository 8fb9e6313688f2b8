//! A task's cgroup: made with its limits (enabling the controllers on the way), joined by the
//! task's process through its `cgroup.procs` files, and removed once the task is over, killing
//! what is left in it.

use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::limits::{settings, Setting};
use super::{Controller, Support, Version};
use crate::Limits;

/// How long removal waits for a cgroup's processes to vanish after SIGKILL.
const REMOVE_TIMEOUT: Duration = Duration::from_secs(5);
const REMOVE_POLL: Duration = Duration::from_millis(10);

/// Why a task's cgroup could not be set up.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CgroupError {
    #[error("creating cgroup {path}: {source}")]
    Create { path: PathBuf, source: io::Error },
    #[error("writing {value:?} to {path}: {source}")]
    Write {
        path: PathBuf,
        value: String,
        source: io::Error,
    },
}

impl Support {
    /// Creates the cgroup of task `name` (a file-name-safe task id) with `limits` and the memory
    /// soft limit `memory_reservation`; `None` when there is nothing this node can enforce.
    /// Blocking.
    pub(crate) fn create(
        &self,
        name: &str,
        limits: &Limits,
        memory_reservation: i64,
    ) -> Result<Option<TaskCgroup>, CgroupError> {
        let version = match self {
            Support::V2 { .. } => Version::V2,
            Support::V1 { .. } => Version::V1,
            Support::Unenforced(_) => return Ok(None),
        };
        let wanted: Vec<Setting> = settings(version, limits, memory_reservation)
            .into_iter()
            .filter(|s| self.has(s.controller))
            .collect();
        let mut cgroup = TaskCgroup { dirs: Vec::new() };
        for (subtree, controllers) in self.subtrees() {
            let here: Vec<&Setting> = wanted
                .iter()
                .filter(|s| controllers.contains(&s.controller))
                .collect();
            if here.is_empty() {
                continue;
            }
            let dir = subtree.join(name);
            // Keep what was made so far, so a failure removes it again.
            match self.make_dir(&subtree, &dir) {
                Ok(()) => cgroup.dirs.push(dir.clone()),
                Err(e) => {
                    cgroup.remove();
                    return Err(e);
                }
            }
            for setting in here {
                if let Err(e) = write_setting(&dir, setting) {
                    cgroup.remove();
                    return Err(e);
                }
            }
        }
        Ok((!cgroup.dirs.is_empty()).then_some(cgroup))
    }

    /// Makes `subtree` (ready for children with controllers) and `dir` inside it. Another task's
    /// removal may take away an empty subtree between the two steps: then start over.
    fn make_dir(&self, subtree: &Path, dir: &Path) -> Result<(), CgroupError> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            self.prepare_subtree(subtree)?;
            match std::fs::create_dir(dir) {
                Ok(()) => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::NotFound && attempts < 5 => continue,
                Err(source) => {
                    return Err(CgroupError::Create {
                        path: dir.to_path_buf(),
                        source,
                    })
                }
            }
        }
    }

    /// Creates `subtree` if needed and, on v2, enables the controllers for its children (in the
    /// hierarchy's root, then in the subtree).
    pub(super) fn prepare_subtree(&self, subtree: &Path) -> Result<(), CgroupError> {
        std::fs::create_dir_all(subtree).map_err(|source| CgroupError::Create {
            path: subtree.to_path_buf(),
            source,
        })?;
        if let Support::V2 { mount, controllers } = self {
            let value = subtree_control(controllers);
            for dir in [mount.as_path(), subtree] {
                let path = dir.join("cgroup.subtree_control");
                std::fs::write(&path, &value).map_err(|source| CgroupError::Write {
                    path,
                    value: value.clone(),
                    source,
                })?;
            }
        }
        Ok(())
    }
}

fn write_setting(dir: &Path, setting: &Setting) -> Result<(), CgroupError> {
    let path = dir.join(setting.file);
    match std::fs::write(&path, &setting.value) {
        Ok(()) => Ok(()),
        Err(e) if !setting.required && e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(CgroupError::Write {
            path,
            value: setting.value.clone(),
            source,
        }),
    }
}

/// A task's cgroup: one directory per hierarchy it uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TaskCgroup {
    dirs: Vec<PathBuf>,
}

impl TaskCgroup {
    /// The `cgroup.procs` files a process writes itself into to join the cgroup.
    pub(crate) fn procs_files(&self) -> Vec<PathBuf> {
        self.dirs.iter().map(|d| d.join("cgroup.procs")).collect()
    }

    /// Kills what is left in the cgroup, removes it, and removes the `shoal` subtree too when it
    /// is empty (so nothing of ours lingers in a hierarchy we share). Blocking; gives up (with a
    /// warning) on processes that do not die within [`REMOVE_TIMEOUT`]. Whether it is gone.
    pub(crate) fn remove(&self) -> bool {
        let mut gone = true;
        for dir in &self.dirs {
            gone &= remove_dir(dir);
            if let Some(subtree) = dir.parent() {
                // Busy or not empty while other tasks run: fine.
                let _ = std::fs::remove_dir(subtree);
            }
        }
        gone
    }
}

/// Removes task cgroup `dir`, SIGKILLing its processes until it is empty (bounded by
/// [`REMOVE_TIMEOUT`]); whether it is gone.
pub(super) fn remove_dir(dir: &Path) -> bool {
    let deadline = Instant::now() + REMOVE_TIMEOUT;
    loop {
        match std::fs::remove_dir(dir) {
            Ok(()) => return true,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return true,
            Err(e) => {
                if Instant::now() >= deadline {
                    tracing::warn!(dir = %dir.display(), error = %e, "cannot remove task cgroup");
                    return false;
                }
            }
        }
        // Busy: processes are left (they escaped the task's process group) or still exiting.
        let procs = std::fs::read_to_string(dir.join("cgroup.procs")).unwrap_or_default();
        for pid in parse_pids(&procs) {
            // SAFETY: kill(2) has no memory-safety preconditions; pids come from the cgroup,
            // so only the task's own processes are hit.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        std::thread::sleep(REMOVE_POLL);
    }
}

fn parse_pids(procs: &str) -> impl Iterator<Item = i32> + '_ {
    procs
        .lines()
        .filter_map(|l| l.trim().parse::<i32>().ok())
        .filter(|pid| *pid > 1)
}

/// What `cgroup.subtree_control` gets to enable `controllers`.
fn subtree_control(controllers: &[Controller]) -> String {
    controllers
        .iter()
        .map(|c| format!("+{}", c.name()))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pids_from_cgroup_procs() {
        assert_eq!(
            parse_pids("12\n 34\n\nx\n1\n").collect::<Vec<_>>(),
            vec![12, 34]
        );
    }
}
