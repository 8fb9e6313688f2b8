//! The restart supervisor: whether a task that ended is replaced, and after how long.
//!
//! Swarm's policy (condition, max attempts, window, delay) with one improvement: with no
//! explicit delay, the first restart is immediate and a task that keeps failing soon after
//! it started backs off exponentially from 100 ms, doubling up to 5 s.

use shoal_api::{RestartCondition, RestartInfo, RestartPolicy, Task, TaskState, Timestamp};
use std::time::Duration;

/// A task that ran shorter than this before failing counts as failing "soon after start".
pub const FAST_FAILURE: Duration = Duration::from_secs(10);
pub const BACKOFF_START: Duration = Duration::from_millis(100);
pub const BACKOFF_CAP: Duration = Duration::from_secs(5);

/// Decides how the slot of `ended` (a task that stopped on its own: complete, failed or
/// rejected) goes on: `Some(info)` to restart, no earlier than `info.not_before`; `None` when
/// the policy says stop. Times count from when the task ended, so the answer is the same on
/// every pass (the replacement is only created once it is due, and a task that is rejected
/// at once cannot make its slot spin).
pub fn decide(policy: Option<&RestartPolicy>, ended: &Task) -> Option<RestartInfo> {
    let now = ended.status.timestamp;
    let default = RestartPolicy::default();
    let policy = policy.unwrap_or(&default);
    let wants = match policy.condition.unwrap_or(RestartCondition::Any) {
        RestartCondition::Any => true,
        RestartCondition::None => false,
        RestartCondition::OnFailure => ended.status.state != TaskState::Complete,
    };
    if !wants {
        return None;
    }
    let prev = ended.restart.clone().unwrap_or_default();
    let mut attempts: Vec<Timestamp> = prev.attempts.clone();
    if let Some(w) = policy.window.filter(|w| *w > 0) {
        let window = Duration::from_nanos(w as u64);
        attempts.retain(|at| now.since(*at) <= window);
    }
    if let Some(max) = policy.max_attempts.filter(|m| *m > 0) {
        if attempts.len() as u64 >= max {
            return None;
        }
    }
    attempts.push(now);
    let ran = if ended.started_at.is_zero() {
        Duration::ZERO
    } else {
        now.since(ended.started_at)
    };
    let streak = if ran < FAST_FAILURE {
        prev.streak + 1
    } else {
        1
    };
    let delay = match policy.delay {
        Some(d) => Duration::from_nanos(d.max(0) as u64),
        None => backoff(streak),
    };
    Some(RestartInfo {
        not_before: now.plus(delay),
        streak,
        attempts,
    })
}

/// The adaptive delay for the `streak`-th consecutive quick failure.
pub fn backoff(streak: u32) -> Duration {
    if streak <= 1 {
        return Duration::ZERO;
    }
    let shift = (streak - 2).min(16);
    (BACKOFF_START * (1u32 << shift)).min(BACKOFF_CAP)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;

    fn ended(state: TaskState, started: i64, ended: i64, prev: Option<RestartInfo>) -> Task {
        let mut t = Task::default();
        t.status.state = state;
        t.started_at = Timestamp(started);
        t.status.timestamp = Timestamp(ended);
        t.restart = prev;
        t
    }

    #[test]
    fn backoff_doubles_from_100ms_to_5s() {
        let got: Vec<u128> = (1..=9).map(|s| backoff(s).as_millis()).collect();
        assert_eq!(got, vec![0, 100, 200, 400, 800, 1600, 3200, 5000, 5000]);
    }

    #[test]
    fn crash_loop_backs_off_long_run_resets() {
        let now = Timestamp(100 * S);
        let first = decide(None, &ended(TaskState::Failed, 99 * S, 100 * S, None)).unwrap();
        assert_eq!(first.not_before, now, "first failure restarts at once");
        let second = decide(
            None,
            &ended(TaskState::Failed, 100 * S, 100 * S, Some(first)),
        )
        .unwrap();
        assert_eq!(second.streak, 2);
        assert_eq!(second.not_before, now.plus(Duration::from_millis(100)));
        let after_long_run =
            decide(None, &ended(TaskState::Failed, S, 100 * S, Some(second))).unwrap();
        assert_eq!(after_long_run.streak, 1);
        assert_eq!(after_long_run.not_before, now);
    }

    #[test]
    fn explicit_delay_is_honoured() {
        let p = RestartPolicy {
            delay: Some(3 * S),
            ..Default::default()
        };
        let d = decide(Some(&p), &ended(TaskState::Failed, 0, 50 * S, None)).unwrap();
        assert_eq!(d.not_before, Timestamp(53 * S));
    }

    #[test]
    fn conditions() {
        let on_failure = RestartPolicy {
            condition: Some(RestartCondition::OnFailure),
            ..Default::default()
        };
        let none = RestartPolicy {
            condition: Some(RestartCondition::None),
            ..Default::default()
        };
        let done = ended(TaskState::Complete, 0, 10 * S, None);
        let failed = ended(TaskState::Failed, 0, 10 * S, None);
        assert!(decide(Some(&on_failure), &done).is_none());
        assert!(decide(Some(&on_failure), &failed).is_some());
        assert!(decide(Some(&none), &failed).is_none());
        assert!(decide(None, &done).is_some());
    }

    #[test]
    fn max_attempts_within_window() {
        let p = RestartPolicy {
            max_attempts: Some(2),
            window: Some(60 * S),
            ..Default::default()
        };
        let prev = RestartInfo {
            attempts: vec![Timestamp(90 * S), Timestamp(95 * S)],
            ..Default::default()
        };
        let at = |t: i64| ended(TaskState::Failed, 0, t, Some(prev.clone()));
        assert!(decide(Some(&p), &at(100 * S)).is_none());
        // Outside the window the old attempts no longer count.
        assert!(decide(Some(&p), &at(200 * S)).is_some());
    }
}
