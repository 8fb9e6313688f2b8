//! Resource limits for process tasks, through cgroups.
//!
//! A task with limits gets its own cgroup, `shoal/<task>`, which its process joins between fork
//! and exec (see [`Launch::spawn`](super::launch::Launch::spawn)), so nothing it runs escapes the
//! limits. Where the cgroup lives:
//!
//! * cgroup v2 (a unified hierarchy whose `cgroup.controllers` lists cpu, memory or pids):
//!   `<mount>/shoal/<task>`, at the top of the hierarchy, because v2 forbids enabling controllers
//!   below a cgroup that holds processes (the daemon's own). Controllers are enabled through
//!   `cgroup.subtree_control` of the root and of `shoal`. Files: `cpu.max`, `memory.max`,
//!   `memory.swap.max`, `memory.low`, `pids.max`.
//! * cgroup v1 (one hierarchy per controller): `<mount>/<daemon's cgroup>/shoal/<task>` in each
//!   hierarchy needed, below the daemon's own cgroup so tasks stay inside whatever confines the
//!   daemon. Files: `cpu.cfs_period_us` and `cpu.cfs_quota_us`, `memory.limit_in_bytes`,
//!   `memory.memsw.limit_in_bytes`, `memory.soft_limit_in_bytes`, `pids.max`.
//!
//! Which of these the node offers is found once, by [`detect()`](detect::detect), and told in
//! the node's engine labels ([`Support::label`]); where the kernel offers nothing usable (no
//! controllers, not root, read-only mount) tasks run without limits and the label says why. The
//! cgroup is removed once the task's processes are gone; processes that left the task's process
//! group are killed first, as when a container stops.
//!
//! A daemon that crashes cannot remove its tasks' cgroups, so each is marked by a file in the
//! executor's log dir (see [`MARKER_EXT`]) for as long as it may exist; at the next start
//! [`reap_stale`] removes the marked cgroups found in the `shoal` subtrees, killing what is left
//! in them. The subtree is shared by every shoal daemon of the host (on v2 always, on v1 when
//! they sit in the same cgroup), so a cgroup without this executor's marker is never touched.
//!
//! The decisions (what to write where, which cgroups are stale) are plain functions of their
//! inputs, tested next to them; the I/O is in [`detect()`](detect::detect), [`Support::create`],
//! [`TaskCgroup::remove`] and [`reap_stale`], all blocking (run them on the blocking pool).
//!
//! By concept: [`detect`] finds what the node offers, [`limits`] turns a task's limits into
//! the files to write, [`task`] makes, joins and removes a task's cgroup, [`reap`] removes
//! what a crashed daemon left. This module holds what they share: the subtree, task cgroup
//! names and their markers, the controllers, the hierarchy versions and [`Support`].

mod detect;
mod limits;
mod reap;
mod task;

use std::path::PathBuf;

use crate::Limits;

pub(crate) use detect::Detected;
pub(crate) use reap::{owned_names, reap_stale};
pub(crate) use task::TaskCgroup;

/// Name of the subtree holding the tasks' cgroups.
const SUBTREE: &str = "shoal";
/// Extension of the marker files, `<log_dir>/<task cgroup name>.cgroup`: written before a task's
/// cgroup is made and deleted once it is removed, so a marker left by a crashed daemon names a
/// cgroup of its own that may still exist.
pub(crate) const MARKER_EXT: &str = "cgroup";

/// Whether `name` can be a task cgroup's name: what [`file_stem`](super::file_stem) makes of a
/// task id (so never `.`, `..`, or a path).
pub(crate) fn is_task_cgroup_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A cgroup controller shoal uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Controller {
    Cpu,
    Memory,
    Pids,
}

impl Controller {
    const ALL: [Controller; 3] = [Controller::Cpu, Controller::Memory, Controller::Pids];

    fn name(self) -> &'static str {
        match self {
            Controller::Cpu => "cpu",
            Controller::Memory => "memory",
            Controller::Pids => "pids",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    V1,
    V2,
}

/// What the node offers for enforcing limits, found by [`detect`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Support {
    /// The unified hierarchy at `mount`, with these controllers.
    V2 {
        mount: PathBuf,
        controllers: Vec<Controller>,
    },
    /// One `shoal` subtree per available controller.
    V1 {
        subtrees: Vec<(Controller, PathBuf)>,
    },
    /// Limits are not enforced, for this reason.
    Unenforced(String),
}

impl Support {
    /// The value of the node's `shoal.resource-limits` engine label.
    pub(crate) fn label(&self) -> String {
        let (name, have): (&str, Vec<Controller>) = match self {
            Support::Unenforced(reason) => return format!("unenforced ({reason})"),
            Support::V2 { controllers, .. } => ("cgroup2", controllers.clone()),
            Support::V1 { subtrees } => ("cgroup1", subtrees.iter().map(|(c, _)| *c).collect()),
        };
        let missing: Vec<&str> = Controller::ALL
            .iter()
            .filter(|c| !have.contains(c))
            .map(|c| c.name())
            .collect();
        if missing.is_empty() {
            name.to_string()
        } else {
            format!("{name} (no {} controller)", missing.join(", "))
        }
    }

    fn has(&self, controller: Controller) -> bool {
        match self {
            Support::V2 { controllers, .. } => controllers.contains(&controller),
            Support::V1 { subtrees } => subtrees.iter().any(|(c, _)| *c == controller),
            Support::Unenforced(_) => false,
        }
    }

    /// The limits of `limits` this node cannot enforce, by controller name (for a warning).
    pub(crate) fn unenforceable(&self, limits: &Limits) -> Vec<&'static str> {
        [
            (Controller::Cpu, limits.nano_cpus),
            (Controller::Memory, limits.memory_bytes),
            (Controller::Pids, limits.pids),
        ]
        .into_iter()
        .filter(|(c, v)| *v > 0 && !self.has(*c))
        .map(|(c, _)| c.name())
        .collect()
    }

    /// Whether task cgroups can be made at all.
    pub(crate) fn enforces(&self) -> bool {
        !matches!(self, Support::Unenforced(_))
    }

    /// The `shoal` subtree of each hierarchy to use, with the controllers it serves.
    fn subtrees(&self) -> Vec<(PathBuf, Vec<Controller>)> {
        match self {
            Support::V2 { mount, controllers } => vec![(mount.join(SUBTREE), controllers.clone())],
            Support::V1 { subtrees } => {
                // Co-mounted controllers (say `cpu,cpuacct,memory`) share one directory.
                let mut out: Vec<(PathBuf, Vec<Controller>)> = Vec::new();
                for (controller, dir) in subtrees {
                    match out.iter_mut().find(|(d, _)| d == dir) {
                        Some((_, cs)) => cs.push(*controller),
                        None => out.push((dir.clone(), vec![*controller])),
                    }
                }
                out
            }
            Support::Unenforced(_) => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn co_mounted_controllers_share_a_directory() {
        let support = Support::V1 {
            subtrees: vec![
                (Controller::Cpu, PathBuf::from("/c/shoal")),
                (Controller::Memory, PathBuf::from("/c/shoal")),
                (Controller::Pids, PathBuf::from("/p/shoal")),
            ],
        };
        assert_eq!(
            support.subtrees(),
            vec![
                (
                    PathBuf::from("/c/shoal"),
                    vec![Controller::Cpu, Controller::Memory]
                ),
                (PathBuf::from("/p/shoal"), vec![Controller::Pids]),
            ]
        );
    }
}
