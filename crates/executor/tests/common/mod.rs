//! Helpers shared by the executor integration tests.
#![allow(dead_code)] // each test binary uses a different subset

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use shoal_executor::TaskRun;

/// An id unique across test binaries, runs and tests.
pub fn unique_id(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}{}x{nanos}x{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A task run with the given argv (as args; command empty) and defaults elsewhere.
pub fn task(image: &str, args: &[&str]) -> TaskRun {
    let task_id = unique_id("t");
    TaskRun {
        task_name: format!("shoaltest.1.{task_id}"),
        task_id,
        service_id: "svc-id".into(),
        service_name: "shoaltest".into(),
        node_id: unique_id("n"),
        slot: 1,
        image: image.into(),
        command: Vec::new(),
        args: args.iter().map(|s| s.to_string()).collect(),
        env: Vec::new(),
        dir: None,
        user: None,
        hostname: None,
        labels: HashMap::new(),
        stop_grace: Duration::from_secs(10),
        healthcheck: None,
        ..Default::default()
    }
}

/// Pids of the processes of group `pgid` that are not zombies.
pub fn live_members(pgid: i32) -> Vec<i32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let live = !matches!(fields[0], "Z" | "X");
        if live && fields[2].parse::<i32>().ok() == Some(pgid) {
            out.push(pid);
        }
    }
    out
}

/// Whether `pid` exists and is not a zombie.
pub fn is_live(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let (_, rest) = stat.rsplit_once(')')?;
            rest.split_whitespace()
                .next()
                .map(|s| !matches!(s, "Z" | "X"))
        })
        .unwrap_or(false)
}

/// Creates a named pipe: tasks write to it, tests block reading it (no sleeps needed).
pub fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).expect("path without NUL");
    // SAFETY: c is a valid NUL-terminated path.
    let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o600) };
    assert_eq!(rc, 0, "mkfifo: {}", std::io::Error::last_os_error());
}

/// Reads the fifo until its writer closes it (blocks until a writer comes).
pub async fn read_fifo(path: &Path) -> String {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || std::fs::read_to_string(path))
        .await
        .expect("join")
        .expect("read fifo")
}

/// Every line of a log stream, which must end within `within`.
pub async fn collect_logs(
    stream: shoal_executor::LogStream,
    within: Duration,
) -> Vec<shoal_executor::LogLine> {
    use futures_util::StreamExt;
    tokio::time::timeout(
        within,
        stream
            .map(|line| line.expect("log line"))
            .collect::<Vec<_>>(),
    )
    .await
    .expect("the log stream did not end in time")
}

/// The next `n` lines of a log stream, which must come within `within`.
pub async fn next_logs(
    stream: &mut shoal_executor::LogStream,
    n: usize,
    within: Duration,
) -> Vec<shoal_executor::LogLine> {
    use futures_util::StreamExt;
    let take = async {
        let mut lines = Vec::new();
        while lines.len() < n {
            match stream.next().await {
                Some(line) => lines.push(line.expect("log line")),
                None => panic!("the log stream ended after {lines:?}"),
            }
        }
        lines
    };
    tokio::time::timeout(within, take)
        .await
        .expect("the lines did not come in time")
}

/// The data of the lines from `source`, as text.
pub fn texts_of(
    lines: &[shoal_executor::LogLine],
    source: shoal_executor::LogSource,
) -> Vec<String> {
    lines
        .iter()
        .filter(|l| l.source == source)
        .map(|l| String::from_utf8_lossy(&l.data).into_owned())
        .collect()
}

/// Asserts that the lines' timestamps never decrease and lie within `[from - 1s, to + 1s]`.
pub fn assert_times(
    lines: &[shoal_executor::LogLine],
    from: std::time::SystemTime,
    to: std::time::SystemTime,
) {
    let slack = Duration::from_secs(1);
    for pair in lines.windows(2) {
        assert!(
            pair[0].timestamp <= pair[1].timestamp,
            "timestamps go backwards: {pair:?}"
        );
    }
    for line in lines {
        assert!(
            line.timestamp + slack >= from && line.timestamp <= to + slack,
            "timestamp of {line:?} is not close to now ({from:?}..{to:?})"
        );
    }
}
