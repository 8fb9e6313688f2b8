//! The host settings the mesh relies on, outside its own table.
//!
//! - `route_localnet` on each network's bridge: a connection to `127.0.0.1:PORT` is DNATed
//!   to a task behind the bridge, so its packets leave (and the replies arrive) with a
//!   loopback address on a non-loopback device, which the kernel drops otherwise.
//! - `ip_forward`: connections arriving for a published port are forwarded to the tasks.
//! - Docker's `DOCKER-USER` chain: a Docker Engine on the node sets the `FORWARD` policy to
//!   drop and lets through only ports it published itself. A drop in any table is final, so
//!   shoal's own table cannot undo it: one rule in the chain Docker keeps for its users
//!   accepts traffic from shoal's bridges (`shl-*`) and, into them, what the mesh
//!   DNATs and replies.

use crate::NetError;
use tokio::process::Command;

/// Sets `net.ipv4.conf.<dev>.route_localnet` to 1, if the device exists.
pub fn allow_localnet(dev: &str) -> Result<(), NetError> {
    let path = format!("/proc/sys/net/ipv4/conf/{dev}/route_localnet");
    if !std::path::Path::new(&path).exists() {
        return Ok(());
    }
    write_setting(&path)
}

/// Sets `net.ipv4.ip_forward` to 1.
pub fn allow_forwarding() -> Result<(), NetError> {
    write_setting("/proc/sys/net/ipv4/ip_forward")
}

fn write_setting(path: &str) -> Result<(), NetError> {
    if std::fs::read_to_string(path).is_ok_and(|v| v.trim() == "1") {
        return Ok(());
    }
    std::fs::write(path, "1").map_err(|e| NetError::Host(format!("setting {path}: {e}")))
}

/// The rules, in iptables' words (Docker's chains are iptables', whichever backend):
/// everything from a shoal bridge (tasks' own traffic, and replies to clients on other
/// Docker bridges, which Docker's isolation chains would drop); into a shoal bridge,
/// connections DNATed by the mesh and replies to what tasks opened.
const DOCKER_USER_RULES: [&[&str]; 3] = [
    &["-i", "shl+", "-j", "ACCEPT"],
    &[
        "-o",
        "shl+",
        "-m",
        "conntrack",
        "--ctstate",
        "DNAT",
        "-j",
        "ACCEPT",
    ],
    &[
        "-o",
        "shl+",
        "-m",
        "conntrack",
        "--ctstate",
        "RELATED,ESTABLISHED",
        "-j",
        "ACCEPT",
    ],
];

async fn iptables(args: &[&str]) -> Option<bool> {
    let out = Command::new("iptables")
        .arg("-w")
        .args(args)
        .output()
        .await
        .ok()?;
    Some(out.status.success())
}

/// Adds the accept rule to `DOCKER-USER` when the chain exists (a Docker Engine runs here)
/// and the rule is not there yet. No iptables or no chain: nothing to do.
pub async fn open_docker_forwarding() -> Result<(), NetError> {
    if iptables(&["-n", "-L", "DOCKER-USER"]).await != Some(true) {
        return Ok(());
    }
    for rule in DOCKER_USER_RULES {
        let mut check = vec!["-C", "DOCKER-USER"];
        check.extend_from_slice(rule);
        if iptables(&check).await == Some(true) {
            continue;
        }
        let mut insert = vec!["-I", "DOCKER-USER", "1"];
        insert.extend_from_slice(rule);
        if iptables(&insert).await != Some(true) {
            return Err(NetError::Host(
                "cannot add shoal's accept rules to Docker's DOCKER-USER chain: published \
                 ports will not reach containers"
                    .into(),
            ));
        }
    }
    Ok(())
}

/// Removes the accept rule (the last shoal node on this host left).
pub async fn close_docker_forwarding() {
    for rule in DOCKER_USER_RULES {
        let mut delete = vec!["-D", "DOCKER-USER"];
        delete.extend_from_slice(rule);
        while iptables(&delete).await == Some(true) {}
    }
}
