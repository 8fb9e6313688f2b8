//! Signals to a task's process group, and the checks that tell when the group is gone.

use std::process::ExitStatus;
use std::time::Duration;

use crate::Exit;

/// How often to look again while a killed group is still dying.
const GONE_POLL: Duration = Duration::from_millis(10);
/// How long a SIGKILLed group may take to vanish before we give up waiting (a process stuck in
/// uninterruptible I/O cannot be hurried).
const GONE_TIMEOUT: Duration = Duration::from_secs(5);

/// Sends `signal` to every process of group `pgid`. A group that no longer exists is not an
/// error.
pub(crate) fn signal_group(pgid: i32, signal: i32) {
    // Guard against ever signalling group 0 (our own) or "all processes" (-1).
    if pgid <= 1 {
        return;
    }
    // SAFETY: kill(2) has no memory-safety preconditions.
    if unsafe { libc::kill(-pgid, signal) } == -1 {
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::ESRCH) {
            tracing::warn!(pgid, signal, error = %err, "signalling process group failed");
        }
    }
}

/// Whether group `pgid` still has a process that is not a zombie. Zombies are ignored: an
/// orphaned member is reaped by init, and some inits never reap, but a zombie runs nothing.
pub(crate) async fn group_alive(pgid: i32) -> bool {
    // SAFETY: kill(2) with signal 0 only checks for existence.
    if unsafe { libc::kill(-pgid, 0) } == -1 {
        return std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH);
    }
    // /proc reads are cheap but blocking: scan on the blocking pool.
    tokio::task::spawn_blocking(move || live_members(pgid).next().is_some())
        .await
        .unwrap_or(true)
}

/// SIGKILLs group `pgid` until no live process is left in it (bounded by [`GONE_TIMEOUT`]).
pub(crate) async fn kill_group_and_wait(pgid: i32) {
    let deadline = tokio::time::Instant::now() + GONE_TIMEOUT;
    loop {
        signal_group(pgid, libc::SIGKILL);
        if !group_alive(pgid).await {
            return;
        }
        if tokio::time::Instant::now() >= deadline {
            tracing::warn!(pgid, "process group still has live processes after SIGKILL");
            return;
        }
        tokio::time::sleep(GONE_POLL).await;
    }
}

/// Pids of the non-zombie processes whose process group is `pgid` (blocking: reads /proc).
fn live_members(pgid: i32) -> impl Iterator<Item = i32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(move |pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| parse_stat(&stat))
                .is_some_and(|s| s.pgrp == pgid && !matches!(s.state, 'Z' | 'X'))
        })
}

/// The few `/proc/<pid>/stat` fields we use.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Stat {
    pub(crate) state: char,
    pub(crate) pgrp: i32,
    /// Clock ticks after boot at which the process started; with the pid, identifies it.
    pub(crate) start_time: u64,
}

/// Parses `/proc/<pid>/stat`. The command name (field 2) may contain spaces and parentheses,
/// so fields are counted from its closing parenthesis.
pub(crate) fn parse_stat(stat: &str) -> Option<Stat> {
    let (_, rest) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state); pgrp is field 5, starttime field 22.
    Some(Stat {
        state: fields.first()?.chars().next()?,
        pgrp: fields.get(2)?.parse().ok()?,
        start_time: fields.get(19)?.parse().ok()?,
    })
}

/// The exit of a process: its status, or `128 + N` when killed by signal N.
pub(crate) fn exit_of(status: ExitStatus) -> Exit {
    use std::os::unix::process::ExitStatusExt;
    let code = match (status.code(), status.signal()) {
        (Some(code), _) => i64::from(code),
        (None, Some(signal)) => 128 + i64::from(signal),
        // Neither exited nor signalled cannot happen for a waited-for child.
        (None, None) => -1,
    };
    Exit { code }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_with_awkward_command_names() {
        let stat = "4242 (a b) c)) S 1 4242 4242 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 98765 0 0";
        assert_eq!(
            parse_stat(stat),
            Some(Stat {
                state: 'S',
                pgrp: 4242,
                start_time: 98765
            })
        );
        assert_eq!(parse_stat("garbage"), None);
    }
}
