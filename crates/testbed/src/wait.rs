//! Deadline polls: the only way the harness waits for a real process. `wait_for` panics
//! (tests), `poll` returns (the launcher and the bench).

use anyhow::Result;
use std::time::{Duration, Instant};

/// Calls `probe` every `every` until it returns `Some`, for at most `limit`.
/// `Ok(None)` means the deadline passed; errors from `probe` end the wait.
pub fn poll<T>(
    limit: Duration,
    every: Duration,
    mut probe: impl FnMut() -> Result<Option<T>>,
) -> Result<Option<T>> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = probe()? {
            return Ok(Some(v));
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        std::thread::sleep(every);
    }
}

/// Polls `f` every 20 ms until it holds; panics with `what` after `limit`.
pub fn wait_for(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
