//! Health checks: Docker's `Healthcheck` JSON read into a [`HealthCheck`], and the pure
//! bookkeeping ([`HealthTracker`]) that turns probe results into `starting`, `healthy` or
//! `unhealthy` with Docker's rules (failures inside the start period do not count; `retries`
//! consecutive failures make the task unhealthy; one success makes it healthy).

use shoal_api::HealthConfig;
use std::time::Duration;

/// The error a task fails with once its health check declares it unhealthy (swarmkit's
/// `ErrContainerUnhealthy`).
pub const UNHEALTHY: &str = "dockerexec: unhealthy container";

/// Docker's defaults for unset (zero) settings.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(30);
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_RETRIES: u32 = 3;
pub const DEFAULT_START_INTERVAL: Duration = Duration::from_secs(5);

/// What to run to probe a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// `["CMD-SHELL", "cmd"]`: run by `/bin/sh -c`.
    Shell(String),
    /// `["CMD", "prog", "arg"...]`: run directly.
    Exec(Vec<String>),
}

/// A health check to run, with Docker's defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheck {
    pub probe: Probe,
    pub interval: Duration,
    pub timeout: Duration,
    pub retries: u32,
    pub start_period: Duration,
    /// Time between probes inside the start period (Docker 25's `StartInterval`).
    pub start_interval: Duration,
}

impl HealthCheck {
    /// How long to wait before the next probe: `start_interval` while the task is still
    /// starting inside its start period, `interval` otherwise (Docker's monitor).
    pub fn next_interval(&self, health: Health, since_start: Duration) -> Duration {
        if health == Health::Starting && since_start < self.start_period {
            self.start_interval
        } else {
            self.interval
        }
    }
}

/// The health check in `ContainerSpec.Healthcheck`, or `None` when there is none to run by
/// the spec alone: absent, `["NONE"]` (`--no-healthcheck`), or an empty `Test` (inherit the
/// image's, which only the docker executor has).
pub fn from_spec(healthcheck: Option<&HealthConfig>) -> Option<HealthCheck> {
    let hc = healthcheck?;
    let test = hc.test.as_deref()?;
    let probe = match test.split_first()? {
        (kind, rest) if kind == "CMD-SHELL" => Probe::Shell(rest.join(" ")),
        (kind, rest) if kind == "CMD" && !rest.is_empty() => Probe::Exec(rest.to_vec()),
        _ => return None,
    };
    let nanos = |n: Option<i64>, default: Duration| {
        n.filter(|n| *n > 0)
            .map_or(default, |n| Duration::from_nanos(n as u64))
    };
    let retries = hc
        .retries
        .filter(|n| *n > 0)
        .map_or(DEFAULT_RETRIES, |n| u32::try_from(n).unwrap_or(u32::MAX));
    Some(HealthCheck {
        probe,
        interval: nanos(hc.interval, DEFAULT_INTERVAL),
        timeout: nanos(hc.timeout, DEFAULT_TIMEOUT),
        retries,
        start_period: nanos(hc.start_period, Duration::ZERO),
        start_interval: nanos(hc.start_interval, DEFAULT_START_INTERVAL),
    })
}

/// A task's health, as `docker inspect` words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    Starting,
    Healthy,
    Unhealthy,
}

impl Health {
    /// Docker's `State.Health.Status` word.
    pub fn parse(status: &str) -> Option<Health> {
        match status {
            "starting" => Some(Health::Starting),
            "healthy" => Some(Health::Healthy),
            "unhealthy" => Some(Health::Unhealthy),
            _ => None,
        }
    }
}

/// Probe results in, health out; pure.
#[derive(Debug, Clone)]
pub struct HealthTracker {
    retries: u32,
    start_period: Duration,
    failing_streak: u32,
    status: Health,
}

impl HealthTracker {
    pub fn new(check: &HealthCheck) -> Self {
        Self {
            retries: check.retries.max(1),
            start_period: check.start_period,
            failing_streak: 0,
            status: Health::Starting,
        }
    }

    pub fn status(&self) -> Health {
        self.status
    }

    /// Records one probe that ended `since_start` after the task started. Docker's rules: a
    /// success makes the task healthy; a failure inside the start period, while the task has
    /// not been healthy yet, does not count.
    pub fn record(&mut self, ok: bool, since_start: Duration) -> Health {
        if ok {
            self.failing_streak = 0;
            self.status = Health::Healthy;
        } else if self.status == Health::Starting && since_start < self.start_period {
            // Grace: not counted.
        } else {
            self.failing_streak += 1;
            if self.failing_streak >= self.retries {
                self.status = Health::Unhealthy;
            }
        }
        self.status
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(v: serde_json::Value) -> HealthConfig {
        serde_json::from_value(v).expect("health config")
    }

    fn check(retries: u32, start_period: Duration) -> HealthCheck {
        HealthCheck {
            probe: Probe::Shell("true".into()),
            interval: DEFAULT_INTERVAL,
            timeout: DEFAULT_TIMEOUT,
            retries,
            start_period,
            start_interval: DEFAULT_START_INTERVAL,
        }
    }

    #[test]
    fn reads_docker_json() {
        let hc = json!({"Test": ["CMD-SHELL", "test -f /tmp/ok"], "Interval": 1_000_000_000i64,
            "Timeout": 2_000_000_000i64, "Retries": 2, "StartPeriod": 5_000_000_000i64});
        assert_eq!(
            from_spec(Some(&spec(hc))),
            Some(HealthCheck {
                probe: Probe::Shell("test -f /tmp/ok".into()),
                interval: Duration::from_secs(1),
                timeout: Duration::from_secs(2),
                retries: 2,
                start_period: Duration::from_secs(5),
                start_interval: DEFAULT_START_INTERVAL,
            })
        );
        let exec = from_spec(Some(&spec(json!({"Test": ["CMD", "ls", "/"]})))).unwrap();
        assert_eq!(exec.probe, Probe::Exec(vec!["ls".into(), "/".into()]));
        assert_eq!(exec.interval, DEFAULT_INTERVAL);
        assert_eq!(exec.retries, DEFAULT_RETRIES);
        assert_eq!(from_spec(Some(&spec(json!({"Test": ["NONE"]})))), None);
        assert_eq!(from_spec(Some(&spec(json!({"Test": []})))), None);
        assert_eq!(from_spec(Some(&spec(json!({"Interval": 5})))), None);
        assert_eq!(from_spec(None), None);
    }

    #[test]
    fn success_makes_healthy_and_retries_make_unhealthy() {
        let mut t = HealthTracker::new(&check(2, Duration::ZERO));
        let s = Duration::from_secs(1);
        assert_eq!(t.status(), Health::Starting);
        assert_eq!(t.record(false, s), Health::Starting);
        assert_eq!(t.record(true, s), Health::Healthy);
        assert_eq!(t.record(false, s), Health::Healthy);
        assert_eq!(t.record(false, s), Health::Unhealthy);
    }

    #[test]
    fn start_period_failures_do_not_count() {
        let mut t = HealthTracker::new(&check(1, Duration::from_secs(10)));
        assert_eq!(t.record(false, Duration::from_secs(1)), Health::Starting);
        assert_eq!(t.record(false, Duration::from_secs(9)), Health::Starting);
        assert_eq!(t.record(false, Duration::from_secs(11)), Health::Unhealthy);
        assert_eq!(Health::parse("healthy"), Some(Health::Healthy));
        assert_eq!(Health::parse("none"), None);
    }

    #[test]
    fn probes_at_the_start_interval_inside_the_start_period() {
        let c = check(3, Duration::from_secs(10));
        let (early, late) = (Duration::from_secs(1), Duration::from_secs(11));
        assert_eq!(
            c.next_interval(Health::Starting, early),
            DEFAULT_START_INTERVAL
        );
        assert_eq!(c.next_interval(Health::Healthy, early), DEFAULT_INTERVAL);
        assert_eq!(c.next_interval(Health::Starting, late), DEFAULT_INTERVAL);
        let none = check(3, Duration::ZERO);
        assert_eq!(
            none.next_interval(Health::Starting, early),
            DEFAULT_INTERVAL
        );
    }
}
