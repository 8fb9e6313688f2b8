//! Resident memory of the daemons: shoal's (its child process) and dockerd's (found by its
//! pid file or by name), read from `VmRSS` in `/proc/<pid>/status`. A short settle pause
//! comes first so that start-up or teardown work is not caught mid-flight.

use crate::stats::{Samples, Unit};
use crate::sys;
use anyhow::{anyhow, Result};
use std::time::Duration;

/// Pause before reading an "idle" figure.
pub const SETTLE: Duration = Duration::from_secs(2);

pub fn dockerd_pid() -> Option<i32> {
    std::fs::read_to_string("/var/run/docker.pid")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .filter(|pid: &i32| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .map(|c| c.trim() == "dockerd")
                .unwrap_or(false)
        })
        .or_else(|| sys::find_by_comm("dockerd"))
}

/// RSS of `pid` after the settle pause, as a one-value figure.
pub fn settled(pid: Option<i32>) -> Result<Samples> {
    let pid = pid.ok_or_else(|| anyhow!("no such process"))?;
    sys::sleep(SETTLE)?;
    now(Some(pid))
}

/// RSS of `pid` right now.
pub fn now(pid: Option<i32>) -> Result<Samples> {
    let pid = pid.ok_or_else(|| anyhow!("no such process"))?;
    Ok(Samples::one(Unit::Bytes, sys::rss_bytes(pid)? as f64))
}
