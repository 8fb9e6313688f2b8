//! Processes on this machine, read from `/proc`: command lines, parents, descendants, and
//! counts of processes by exact command line (to prove that tasks died with their daemon).

use std::path::Path;
use std::process::Command;

/// A process's command line, arguments joined by spaces ("" when it is gone or a zombie).
pub fn cmdline(pid: i32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| {
            String::from_utf8_lossy(&b)
                .replace('\0', " ")
                .trim()
                .to_string()
        })
        .unwrap_or_default()
}

/// The parent of a process (None when it is gone).
fn parent(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid ...`; comm may hold spaces and parentheses.
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn all_pids() -> Vec<i32> {
    std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Every live process descending from `root`.
pub fn descendants(root: i32) -> Vec<i32> {
    all_pids()
        .into_iter()
        .filter(|&pid| {
            let mut p = pid;
            for _ in 0..64 {
                match parent(p) {
                    Some(pp) if pp == root => return true,
                    Some(pp) if pp > 1 => p = pp,
                    _ => return false,
                }
            }
            false
        })
        .collect()
}

/// Live processes on this machine whose command line is exactly `args` (zombies have none).
pub fn count_processes(args: &[&str]) -> usize {
    let want = args.join(" ");
    all_pids()
        .into_iter()
        .filter(|&pid| cmdline(pid) == want)
        .count()
}

/// `cp -a FROM TO`: a copy keeping modes (key files stay private); panics on failure.
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    assert!(!to.exists(), "{} exists already", to.display());
    let ok = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .expect("cp")
        .success();
    assert!(ok, "copying {} to {}", from.display(), to.display());
}
