//! The rolling-update settings in force for a service right now: the update config while
//! updating, the rollback config while rolling back, each with Swarm's defaults
//! (parallelism 1, no delay, stop-first, pause on failure, 5 s monitor, ratio 0).

use shoal_api::{Service, Timestamp, UpdateConfig};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureAction {
    Pause,
    Continue,
    Rollback,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rollout {
    /// Slots updated at a time; None: all at once (`--update-parallelism 0`).
    pub parallelism: Option<u64>,
    pub delay: Duration,
    pub start_first: bool,
    pub failure_action: FailureAction,
    pub monitor: Duration,
    pub max_failure_ratio: f64,
    /// The service is rolling back (`rollback_started`), so the rollback settings apply.
    pub rolling_back: bool,
    /// The update or rollback is paused: no slot is touched until the user acts.
    pub paused: bool,
    /// When the update or rollback in progress began (zero when none is recorded).
    pub started_at: Timestamp,
}

fn nanos(v: Option<i64>, default: i64) -> Duration {
    Duration::from_nanos(v.unwrap_or(default).max(0) as u64)
}

impl Rollout {
    pub fn of(service: &Service) -> Rollout {
        let state = service
            .update_status
            .as_ref()
            .map_or("", |u| u.state.as_str());
        let rolling_back = state.starts_with("rollback");
        let cfg: Option<&UpdateConfig> = if rolling_back {
            service.spec.rollback_config.as_ref()
        } else {
            service.spec.update_config.as_ref()
        };
        let parallelism = cfg.map_or(1, |c| c.parallelism);
        let failure_action = match cfg.and_then(|c| c.failure_action.as_deref()) {
            Some("continue") => FailureAction::Continue,
            // A rollback is never rolled back (validation refuses it; be safe anyway).
            Some("rollback") if !rolling_back => FailureAction::Rollback,
            _ => FailureAction::Pause,
        };
        Rollout {
            parallelism: (parallelism > 0).then_some(parallelism),
            delay: nanos(cfg.and_then(|c| c.delay), 0),
            start_first: cfg.and_then(|c| c.order.as_deref()) == Some("start-first"),
            failure_action,
            monitor: nanos(
                cfg.and_then(|c| c.monitor),
                shoal_api::defaults::MONITOR_NANOS,
            ),
            max_failure_ratio: cfg.and_then(|c| c.max_failure_ratio).unwrap_or(0.0),
            rolling_back,
            paused: matches!(state, "paused" | "rollback_paused"),
            started_at: service
                .update_status
                .as_ref()
                .map(|u| u.started_at)
                .unwrap_or_default(),
        }
    }
}
