//! Where the manager's loops and control API take the time from. The core never reads a
//! clock; the manager reads this one, so tests can run it on tokio's paused time.

use shoal_api::Timestamp;
use std::time::Duration;

/// Wall-clock time for timestamps and deadlines stored in the state.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// The system's clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A wall clock that moves with tokio's clock: real time normally, and under
/// `tokio::time::pause` only when a test advances it, so a loop that sleeps and a loop that
/// stamps see the same time. The fake for tests.
pub struct TokioClock {
    base: Timestamp,
    start: tokio::time::Instant,
}

impl TokioClock {
    /// Starts at `base`.
    pub fn starting_at(base: Timestamp) -> TokioClock {
        TokioClock {
            base,
            start: tokio::time::Instant::now(),
        }
    }
}

impl Clock for TokioClock {
    fn now(&self) -> Timestamp {
        let elapsed: Duration = tokio::time::Instant::now() - self.start;
        self.base.plus(elapsed)
    }
}
