//! The network side of the test bed: `ip` commands, whether this machine can make network
//! namespaces (probed once per process), the processes inside a namespace, and the removal
//! of namespaces left by earlier runs that were killed before cleaning up.

use crate::notice::notice;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

const NETNS_DIR: &str = "/run/netns";
/// Every namespace of a test bed is named `shoal-tb-<pid>-…`.
pub(crate) const PREFIX: &str = "shoal-tb-";

/// Runs `ip ARGS`; Err(stderr) on failure.
pub(crate) fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("running ip {args:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {args:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Runs `ip ARGS`; panics on failure.
pub(crate) fn ip_ok(args: &[&str]) {
    if let Err(e) = ip(args) {
        panic!("{e}");
    }
}

/// Whether this machine can run test beds on network namespaces; probed once per process.
/// `SHOAL_TESTBED_NETNS=0` turns them off (nodes then use loopback addresses).
pub fn netns_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        if std::env::var("SHOAL_TESTBED_NETNS").is_ok_and(|v| v == "0") {
            notice("testbed: SHOAL_TESTBED_NETNS=0: nodes on loopback addresses");
            return false;
        }
        remove_stale_namespaces();
        let probe = format!("{PREFIX}{}-probe", std::process::id());
        let res = ip(&["netns", "add", &probe])
            .and_then(|_| ip(&["-n", &probe, "link", "add", "br0", "type", "bridge"]))
            .and_then(|_| {
                ip(&[
                    "-n", &probe, "link", "add", "name", "probe0", "type", "veth", "peer", "name",
                    "probe1",
                ])
            })
            .and_then(|_| ip(&["netns", "exec", &probe, "true"]));
        let _ = ip(&["netns", "del", &probe]);
        match res {
            Ok(()) => true,
            Err(e) => {
                notice(&format!(
                    "testbed: network namespaces unavailable ({e}): nodes on loopback \
                     addresses, link cut/heal tests skip"
                ));
                false
            }
        }
    })
}

/// Namespaces of earlier test runs whose process is gone (killed before `Drop` ran).
fn remove_stale_namespaces() {
    let Ok(dir) = std::fs::read_dir(NETNS_DIR) else {
        return;
    };
    for e in dir.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(PREFIX)
            .and_then(|r| r.split('-').next())
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = ip(&["netns", "del", &name]);
        }
    }
}

/// Pids of the processes in a network namespace.
pub(crate) fn netns_pids(ns: &str) -> Vec<i32> {
    Command::new("ip")
        .args(["netns", "pids", ns])
        .stderr(Stdio::null())
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}
