//! Removing the task cgroups a crashed daemon left: which names the executor's log dir marks
//! as its own, which directories of a `shoal` subtree are stale, and removing them (killing
//! what is left in them). Another daemon's cgroups in the shared subtree are never touched.

use std::io;

use super::task::remove_dir;
use super::{is_task_cgroup_name, Support, MARKER_EXT};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
