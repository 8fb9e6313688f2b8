//! Finding what the node offers for enforcing limits: the mount table and /proc/self/cgroup
//! decide between cgroup v2, v1 and nothing ([`choose`], pure), then [`detect`] checks that the
//! choice is usable; [`Detected`] does it once per executor.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::OnceCell;

use super::task::CgroupError;
use super::{Controller, Support, SUBTREE};

impl Support {
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
    use crate::Limits;

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
}
