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
//! Which of these the node offers is found once, by [`detect`], and told in the node's engine
//! labels ([`Support::label`]); where the kernel offers nothing usable (no controllers, not root,
//! read-only mount) tasks run without limits and the label says why. The cgroup is removed once
//! the task's processes are gone; processes that left the task's process group are killed first,
//! as when a container stops.
//!
//! A daemon that crashes cannot remove its tasks' cgroups, so each is marked by a file in the
//! executor's log dir (see [`MARKER_EXT`]) for as long as it may exist; at the next start
//! [`reap_stale`] removes the marked cgroups found in the `shoal` subtrees, killing what is left
//! in them. The subtree is shared by every shoal daemon of the host (on v2 always, on v1 when
//! they sit in the same cgroup), so a cgroup without this executor's marker is never touched.
//!
//! The decisions (what to write where, which cgroups are stale) are plain functions of their
//! inputs, tested below; the I/O is in [`detect`], [`Support::create`], [`TaskCgroup::remove`]
//! and [`reap_stale`], all blocking (run them on the blocking pool).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

use crate::Limits;

/// Name of the subtree holding the tasks' cgroups.
const SUBTREE: &str = "shoal";
/// Extension of the marker files, `<log_dir>/<task cgroup name>.cgroup`: written before a task's
/// cgroup is made and deleted once it is removed, so a marker left by a crashed daemon names a
/// cgroup of its own that may still exist.
pub(crate) const MARKER_EXT: &str = "cgroup";
/// The CFS period shoal uses (also the kernel's and Docker's default), in microseconds.
const CPU_PERIOD_US: i64 = 100_000;
/// The smallest quota the kernel accepts, in microseconds.
const MIN_CPU_QUOTA_US: i64 = 1_000;
/// How long removal waits for a cgroup's processes to vanish after SIGKILL.
const REMOVE_TIMEOUT: Duration = Duration::from_secs(5);
const REMOVE_POLL: Duration = Duration::from_millis(10);

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

/// One file to write in a task's cgroup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Setting {
    pub(crate) controller: Controller,
    pub(crate) file: &'static str,
    pub(crate) value: String,
    /// Whether the limit is void without it. Optional files (swap, soft limits) depend on
    /// kernel options; their absence is not an error.
    pub(crate) required: bool,
}

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
    fn prepare_subtree(&self, subtree: &Path) -> Result<(), CgroupError> {
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

    /// Checks that task cgroups can be made here, leaving nothing behind.
    fn probe(&self) -> Result<(), CgroupError> {
        for (subtree, _) in self.subtrees() {
            let existed = subtree.exists();
            self.prepare_subtree(&subtree)?;
            if !existed {
                // Fails harmlessly if a task made its cgroup meanwhile.
                let _ = std::fs::remove_dir(&subtree);
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
fn remove_dir(dir: &Path) -> bool {
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

/// Whether `name` can be a task cgroup's name: what [`file_stem`](super::file_stem) makes of a
/// task id (so never `.`, `..`, or a path).
pub(crate) fn is_task_cgroup_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The task cgroup names that the files of a log dir mark as this executor's: the stems of its
/// markers, and of its pid files (a pid file also outlives a crash, and names the cgroup of a
/// task that was running then, also one started before markers existed). Sorted, no repeats.
pub(crate) fn owned_names<'a>(log_dir_files: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut names: Vec<String> = log_dir_files
        .into_iter()
        .filter_map(|file| {
            let (stem, ext) = file.rsplit_once('.')?;
            (ext == MARKER_EXT || ext == "pid").then_some(stem)
        })
        .filter(|stem| is_task_cgroup_name(stem))
        .map(str::to_string)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Which entries of a `shoal` subtree, `(name, is a directory)`, are stale task cgroups to
/// remove: directories with a task cgroup's name that this executor owns (`owned`, sorted, from
/// [`owned_names`]). Anything else, another daemon's tasks included, is left alone.
pub(crate) fn stale_task_cgroups<'a>(
    entries: impl IntoIterator<Item = (&'a str, bool)>,
    owned: &[String],
) -> Vec<String> {
    let mut stale: Vec<String> = entries
        .into_iter()
        .filter(|(name, is_dir)| {
            *is_dir
                && is_task_cgroup_name(name)
                && owned.binary_search_by(|o| o.as_str().cmp(name)).is_ok()
        })
        .map(|(name, _)| name.to_string())
        .collect();
    stale.sort();
    stale
}

/// Removes the task cgroups named in `owned` (see [`owned_names`]) from the `shoal` subtrees of
/// `support`, killing the processes left in them, then each subtree if it is empty. Returns the
/// owned names whose cgroups are now gone everywhere (their markers may go) and how many
/// cgroup directories were removed. Blocking; a no-op where cgroups are unenforced. Errors are
/// logged, never returned: this runs at daemon start, which must not fail for it.
pub(crate) fn reap_stale(support: &Support, owned: &[String]) -> (Vec<String>, usize) {
    let mut left: Vec<&str> = Vec::new();
    let mut removed = 0;
    for (subtree, _) in support.subtrees() {
        let entries = match std::fs::read_dir(&subtree) {
            Ok(entries) => entries,
            Err(e) => {
                if e.kind() != io::ErrorKind::NotFound {
                    tracing::warn!(dir = %subtree.display(), error = %e, "cannot list task cgroups");
                    // Unknown: keep every marker for the next start.
                    left.extend(owned.iter().map(String::as_str));
                }
                continue;
            }
        };
        let listed: Vec<(String, bool)> = entries
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name().into_string().ok()?;
                let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
                Some((name, is_dir))
            })
            .collect();
        let stale = stale_task_cgroups(listed.iter().map(|(n, d)| (n.as_str(), *d)), owned);
        for name in &stale {
            let dir = subtree.join(name);
            tracing::warn!(dir = %dir.display(), "removing task cgroup left by a previous daemon");
            if remove_dir(&dir) {
                removed += 1;
            } else if let Some(name) = owned.iter().find(|o| *o == name) {
                left.push(name);
            }
        }
        // Busy or not empty while other tasks run (this host's other daemons'): fine.
        let _ = std::fs::remove_dir(&subtree);
    }
    let gone = owned
        .iter()
        .filter(|o| !left.contains(&o.as_str()))
        .cloned()
        .collect();
    (gone, removed)
}

fn parse_pids(procs: &str) -> impl Iterator<Item = i32> + '_ {
    procs
        .lines()
        .filter_map(|l| l.trim().parse::<i32>().ok())
        .filter(|pid| *pid > 1)
}

/// The files to write for `limits` (0: unlimited, nothing written) and a memory soft limit.
pub(crate) fn settings(version: Version, limits: &Limits, memory_reservation: i64) -> Vec<Setting> {
    let setting = |controller, file, value: String, required| Setting {
        controller,
        file,
        value,
        required,
    };
    let mut out = Vec::new();
    if limits.nano_cpus > 0 {
        let quota = cpu_quota_us(limits.nano_cpus);
        match version {
            Version::V2 => out.push(setting(
                Controller::Cpu,
                "cpu.max",
                format!("{quota} {CPU_PERIOD_US}"),
                true,
            )),
            Version::V1 => {
                // The period first: the quota is checked against it.
                out.push(setting(
                    Controller::Cpu,
                    "cpu.cfs_period_us",
                    CPU_PERIOD_US.to_string(),
                    true,
                ));
                out.push(setting(
                    Controller::Cpu,
                    "cpu.cfs_quota_us",
                    quota.to_string(),
                    true,
                ));
            }
        }
    }
    if limits.memory_bytes > 0 {
        let bytes = limits.memory_bytes;
        match version {
            Version::V2 => {
                out.push(setting(
                    Controller::Memory,
                    "memory.max",
                    bytes.to_string(),
                    true,
                ));
                // Docker's default: as much swap as memory.
                out.push(setting(
                    Controller::Memory,
                    "memory.swap.max",
                    bytes.to_string(),
                    false,
                ));
            }
            Version::V1 => {
                out.push(setting(
                    Controller::Memory,
                    "memory.limit_in_bytes",
                    bytes.to_string(),
                    true,
                ));
                // memory + swap, hence twice the memory for Docker's default; written after
                // the memory limit, which it may not be below.
                out.push(setting(
                    Controller::Memory,
                    "memory.memsw.limit_in_bytes",
                    bytes.saturating_mul(2).to_string(),
                    false,
                ));
            }
        }
    }
    if memory_reservation > 0 && limits.any() {
        let file = match version {
            Version::V2 => "memory.low",
            Version::V1 => "memory.soft_limit_in_bytes",
        };
        out.push(setting(
            Controller::Memory,
            file,
            memory_reservation.to_string(),
            false,
        ));
    }
    if limits.pids > 0 {
        out.push(setting(
            Controller::Pids,
            "pids.max",
            limits.pids.to_string(),
            true,
        ));
    }
    out
}

/// CFS quota per [`CPU_PERIOD_US`] for `nano_cpus` (1e9 = one CPU), at least the kernel's
/// minimum.
pub(crate) fn cpu_quota_us(nano_cpus: i64) -> i64 {
    let quota = i128::from(nano_cpus) * i128::from(CPU_PERIOD_US) / 1_000_000_000;
    i64::try_from(quota)
        .unwrap_or(i64::MAX)
        .max(MIN_CPU_QUOTA_US)
}

/// What `cgroup.subtree_control` gets to enable `controllers`.
fn subtree_control(controllers: &[Controller]) -> String {
    controllers
        .iter()
        .map(|c| format!("+{}", c.name()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// One line of /proc/self/mountinfo, the fields used here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mount {
    /// The directory of the filesystem mounted here (not `/` for a bind mount or a cgroup
    /// namespace's view).
    pub(crate) root: String,
    pub(crate) mount_point: PathBuf,
    pub(crate) fstype: String,
    pub(crate) super_options: Vec<String>,
}

/// Parses /proc/self/mountinfo; lines it cannot read are skipped.
pub(crate) fn parse_mountinfo(text: &str) -> Vec<Mount> {
    text.lines()
        .filter_map(|line| {
            // "id parent maj:min root mount-point options [optional...] - fstype source super"
            let (left, right) = line.split_once(" - ")?;
            let left: Vec<&str> = left.split(' ').collect();
            let right: Vec<&str> = right.split(' ').collect();
            Some(Mount {
                root: unescape(left.get(3)?),
                mount_point: PathBuf::from(unescape(left.get(4)?)),
                fstype: right.first()?.to_string(),
                super_options: right.get(2)?.split(',').map(str::to_string).collect(),
            })
        })
        .collect()
}

/// mountinfo writes space, tab, newline and backslash as octal escapes (`\040`).
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escape = bytes.get(i + 1..i + 4).filter(|d| {
            bytes[i] == b'\\' && d.iter().all(|b| (b'0'..=b'7').contains(b)) && d[0] <= b'3'
        });
        if let Some(d) = escape {
            out.push((d[0] - b'0') * 64 + (d[1] - b'0') * 8 + (d[2] - b'0'));
            i += 4;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Where the daemon sits in the v1 hierarchy of `controller`, from /proc/self/cgroup
/// (`id:controller[,controller...]:/path`).
fn own_v1_path(proc_self_cgroup: &str, controller: Controller) -> Option<String> {
    proc_self_cgroup.lines().find_map(|line| {
        let mut parts = line.splitn(3, ':');
        let (_, list, path) = (parts.next()?, parts.next()?, parts.next()?);
        list.split(',')
            .any(|c| c == controller.name())
            .then(|| path.to_string())
    })
}

/// The v1 subtree for `controller`: in the hierarchy mounted with that controller, below the
/// daemon's own cgroup (made relative to what the mount shows).
fn v1_subtree(mounts: &[Mount], proc_self_cgroup: &str, controller: Controller) -> Option<PathBuf> {
    let mount = mounts
        .iter()
        .find(|m| m.fstype == "cgroup" && m.super_options.iter().any(|o| o == controller.name()))?;
    let own = own_v1_path(proc_self_cgroup, controller).unwrap_or_else(|| "/".to_string());
    // A mount of a sub-directory (container runtimes do this) shows paths below its root.
    let relative = match own.strip_prefix(mount.root.trim_end_matches('/')) {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => rest.to_string(),
        _ => String::new(),
    };
    let mut dir = mount.mount_point.clone();
    for part in relative.split('/').filter(|p| !p.is_empty()) {
        dir.push(part);
    }
    Some(dir.join(SUBTREE))
}

/// The controllers shoal uses among those a v2 `cgroup.controllers` file lists.
fn v2_controllers(listed: &str) -> Vec<Controller> {
    Controller::ALL
        .into_iter()
        .filter(|c| listed.split_whitespace().any(|l| l == c.name()))
        .collect()
}

/// Decides how to enforce limits from the mount table, /proc/self/cgroup and the
/// `cgroup.controllers` file of each cgroup2 mount (`None` if unreadable). Pure; [`detect`] then
/// checks that the choice is usable.
pub(crate) fn choose(
    mounts: &[Mount],
    proc_self_cgroup: &str,
    v2_listed: impl Fn(&Path) -> Option<String>,
) -> Support {
    // v2 where it has controllers; a hybrid host's v2 mount (systemd's, without controllers)
    // does not count.
    for mount in mounts.iter().filter(|m| m.fstype == "cgroup2") {
        let controllers = v2_listed(&mount.mount_point)
            .map(|l| v2_controllers(&l))
            .unwrap_or_default();
        if !controllers.is_empty() {
            return Support::V2 {
                mount: mount.mount_point.clone(),
                controllers,
            };
        }
    }
    let subtrees: Vec<(Controller, PathBuf)> = Controller::ALL
        .into_iter()
        .filter_map(|c| Some((c, v1_subtree(mounts, proc_self_cgroup, c)?)))
        .collect();
    if subtrees.is_empty() {
        Support::Unenforced("no cpu, memory or pids cgroup controller mounted".to_string())
    } else {
        Support::V1 { subtrees }
    }
}

/// [`detect`]'s answer, found on first use and shared by the executor and its controllers.
#[derive(Debug, Clone, Default)]
pub(crate) struct Detected(Arc<OnceCell<Support>>);

impl Detected {
    pub(crate) async fn get(&self) -> &Support {
        self.0
            .get_or_init(|| async {
                tokio::task::spawn_blocking(detect)
                    .await
                    .unwrap_or_else(|e| {
                        Support::Unenforced(format!("cgroup detection failed: {e}"))
                    })
            })
            .await
    }
}

/// Finds how this node can enforce limits, and checks it can (blocking: reads /proc, may create
/// and remove the `shoal` subtree).
pub(crate) fn detect() -> Support {
    let mountinfo = match std::fs::read_to_string("/proc/self/mountinfo") {
        Ok(text) => text,
        Err(e) => return Support::Unenforced(format!("cannot read /proc/self/mountinfo: {e}")),
    };
    let own = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    let support = choose(&parse_mountinfo(&mountinfo), &own, |mount| {
        std::fs::read_to_string(mount.join("cgroup.controllers")).ok()
    });
    match support.probe() {
        Ok(()) => support,
        Err(e) => Support::Unenforced(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HYBRID: &str = "\
25 30 0:22 / /sys/fs/cgroup ro,nosuid shared:9 - tmpfs tmpfs ro,mode=755
26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid shared:10 - cgroup2 cgroup2 rw
27 25 0:24 / /sys/fs/cgroup/cpu,cpuacct rw shared:11 - cgroup cgroup rw,cpu,cpuacct
28 25 0:25 / /sys/fs/cgroup/memory rw shared:12 - cgroup cgroup rw,memory
29 25 0:26 /docker/abc /sys/fs/cgroup/pids rw shared:13 - cgroup cgroup rw,pids
30 25 0:27 / /sys/fs/cgroup/systemd rw shared:14 - cgroup cgroup rw,xattr,name=systemd
";
    const OWN: &str = "\
5:pids:/docker/abc/inner
4:memory:/sessions/s1
3:cpu,cpuacct:/
0::/
";

    #[test]
    fn v1_nests_below_the_daemons_cgroup_in_each_hierarchy() {
        let support = choose(&parse_mountinfo(HYBRID), OWN, |_| Some(String::new()));
        assert_eq!(
            support,
            Support::V1 {
                subtrees: vec![
                    (
                        Controller::Cpu,
                        PathBuf::from("/sys/fs/cgroup/cpu,cpuacct/shoal")
                    ),
                    (
                        Controller::Memory,
                        PathBuf::from("/sys/fs/cgroup/memory/sessions/s1/shoal")
                    ),
                    // The mount shows /docker/abc as its root.
                    (
                        Controller::Pids,
                        PathBuf::from("/sys/fs/cgroup/pids/inner/shoal")
                    ),
                ]
            }
        );
        assert_eq!(support.label(), "cgroup1");
    }

    #[test]
    fn v2_needs_controllers() {
        let mounts = parse_mountinfo(
            "30 1 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n",
        );
        let support = choose(&mounts, "0::/user.slice\n", |p| {
            assert_eq!(p, Path::new("/sys/fs/cgroup"));
            Some("cpuset cpu io memory hugetlb\n".to_string())
        });
        assert_eq!(
            support,
            Support::V2 {
                mount: PathBuf::from("/sys/fs/cgroup"),
                controllers: vec![Controller::Cpu, Controller::Memory],
            }
        );
        assert_eq!(support.label(), "cgroup2 (no pids controller)");
        assert_eq!(
            support.unenforceable(&Limits {
                nano_cpus: 1,
                memory_bytes: 0,
                pids: 5
            }),
            vec!["pids"]
        );
        let none = choose(&mounts, "0::/\n", |_| Some("\n".to_string()));
        assert_eq!(
            none.label(),
            "unenforced (no cpu, memory or pids cgroup controller mounted)"
        );
    }

    #[test]
    fn mountinfo_escapes_and_optional_fields() {
        let m = parse_mountinfo("1 2 0:3 / /a\\040b rw shared:1 master:2 - cgroup x rw,memory\n");
        assert_eq!(m[0].mount_point, PathBuf::from("/a b"));
        assert_eq!(m[0].fstype, "cgroup");
        assert_eq!(m[0].super_options, vec!["rw", "memory"]);
        assert!(parse_mountinfo("garbage\n").is_empty());
    }

    #[test]
    fn cpu_quota_per_100ms_period() {
        assert_eq!(cpu_quota_us(500_000_000), 50_000);
        assert_eq!(cpu_quota_us(2_000_000_000), 200_000);
        // Below the kernel's 1 ms minimum: rounded up to it.
        assert_eq!(cpu_quota_us(1_000_000), 1_000);
    }

    #[test]
    fn settings_per_version() {
        let limits = Limits {
            nano_cpus: 1_500_000_000,
            memory_bytes: 64 << 20,
            pids: 100,
        };
        let files = |v| {
            settings(v, &limits, 32 << 20)
                .into_iter()
                .map(|s| (s.file, s.value, s.required))
                .collect::<Vec<_>>()
        };
        let s = |x: &str| x.to_string();
        assert_eq!(
            files(Version::V2),
            vec![
                ("cpu.max", s("150000 100000"), true),
                ("memory.max", s("67108864"), true),
                ("memory.swap.max", s("67108864"), false),
                ("memory.low", s("33554432"), false),
                ("pids.max", s("100"), true),
            ]
        );
        assert_eq!(
            files(Version::V1),
            vec![
                ("cpu.cfs_period_us", s("100000"), true),
                ("cpu.cfs_quota_us", s("150000"), true),
                ("memory.limit_in_bytes", s("67108864"), true),
                ("memory.memsw.limit_in_bytes", s("134217728"), false),
                ("memory.soft_limit_in_bytes", s("33554432"), false),
                ("pids.max", s("100"), true),
            ]
        );
        // No limits: no cgroup, even with a reservation.
        assert!(settings(Version::V2, &Limits::default(), 1 << 20).is_empty());
    }

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

    #[test]
    fn owned_names_come_from_markers_and_pid_files() {
        let files = [
            "b.cgroup",
            "a.pid",
            "a.log",
            "b.pid",
            "c.cgroup.tmp",
            "..cgroup",
            ".cgroup",
            "x y.cgroup",
            "noext",
        ];
        assert_eq!(owned_names(files), vec!["a".to_string(), "b".to_string()]);
    }

    #[test]
    fn only_owned_task_directories_are_stale() {
        let owned = vec!["t1".to_string(), "t3".to_string(), "x".to_string()];
        let entries = [
            ("t1", true),
            // Another daemon's task on the same host.
            ("t2", true),
            ("t3", true),
            // Files of the subtree itself (cgroup.procs, tasks, ...) are not directories.
            ("x", false),
            ("cgroup.procs", false),
            ("..", true),
            (".", true),
        ];
        assert_eq!(
            stale_task_cgroups(entries, &owned),
            vec!["t1".to_string(), "t3".to_string()]
        );
        assert!(stale_task_cgroups(entries, &[]).is_empty());
        assert!(!is_task_cgroup_name("a/b"));
        assert!(is_task_cgroup_name("t-1_B"));
    }

    #[test]
    fn nothing_to_reap_without_cgroups() {
        let owned = vec!["t1".to_string()];
        let (gone, removed) = reap_stale(&Support::Unenforced("none".into()), &owned);
        assert_eq!((gone, removed), (owned, 0));
    }

    #[test]
    fn pids_from_cgroup_procs() {
        assert_eq!(
            parse_pids("12\n 34\n\nx\n1\n").collect::<Vec<_>>(),
            vec![12, 34]
        );
    }
}
