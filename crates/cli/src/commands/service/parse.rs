//! Flag strings to typed values, each parsed as docker's flag type does
//! (`Uint64Opt`, `DurationOpt`, `PositiveDurationOpt`, `NanoCPUs`,
//! `MemBytes`, ...). A bad value is docker's flag error: exit status 125,
//! `invalid argument "x" for "--flag" flag: <Go's reason>`.

use super::flags::CommonFlags;
use crate::commands::errors::StatusError;
use crate::commands::flags::{duration, positive_duration, FlagParser};
use shoal_gocompat::{shlex, strconv, units};

/// Restart policy flags, as given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RestartOpts {
    pub condition: Option<String>,
    pub delay: Option<i64>,
    pub max_attempts: Option<u64>,
    pub window: Option<i64>,
}

impl RestartOpts {
    pub fn any(&self) -> bool {
        self.condition.is_some()
            || self.delay.is_some()
            || self.max_attempts.is_some()
            || self.window.is_some()
    }
}

/// `--update-*` or `--rollback-*` flags, as given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UpdateOpts {
    pub parallelism: Option<u64>,
    pub delay: Option<i64>,
    pub monitor: Option<i64>,
    pub failure_action: Option<String>,
    pub max_failure_ratio: Option<f64>,
    pub order: Option<String>,
}

impl UpdateOpts {
    pub fn any(&self) -> bool {
        self.parallelism.is_some()
            || self.delay.is_some()
            || self.monitor.is_some()
            || self.failure_action.is_some()
            || self.max_failure_ratio.is_some()
            || self.order.is_some()
    }
}

/// `--health-*` flags, as given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HealthOpts {
    pub cmd: Option<String>,
    pub interval: Option<i64>,
    pub timeout: Option<i64>,
    pub retries: Option<i64>,
    pub start_period: Option<i64>,
    pub start_interval: Option<i64>,
    pub no_healthcheck: bool,
}

impl HealthOpts {
    pub fn any_setting(&self) -> bool {
        self.cmd.is_some()
            || self.interval.is_some()
            || self.timeout.is_some()
            || self.retries.is_some()
            || self.start_period.is_some()
            || self.start_interval.is_some()
    }
}

/// The flags shared by create and update, typed. Durations are
/// nanoseconds, CPUs nano-CPUs, memory bytes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Common {
    pub workdir: Option<String>,
    pub user: Option<String>,
    pub hostname: Option<String>,
    pub entrypoint: Option<Vec<String>>,
    pub limit_cpu: Option<i64>,
    pub limit_memory: Option<i64>,
    pub limit_pids: Option<i64>,
    pub reserve_cpu: Option<i64>,
    pub reserve_memory: Option<i64>,
    pub stop_grace: Option<i64>,
    pub stop_signal: Option<String>,
    pub replicas: Option<u64>,
    pub max_concurrent: Option<u64>,
    pub max_replicas: Option<u64>,
    pub restart: RestartOpts,
    pub update: UpdateOpts,
    pub rollback: UpdateOpts,
    pub endpoint_mode: Option<String>,
    pub health: HealthOpts,
    pub tty: Option<bool>,
    pub read_only: Option<bool>,
    pub init: Option<bool>,
}

impl Common {
    /// `--replicas-max-per-node`, where 0 means unlimited (unset).
    pub fn replicas_max_per_node(&self) -> Option<u64> {
        self.max_replicas.filter(|m| *m > 0)
    }
}

impl FlagParser<'_> {
    /// The flags `create` and `update` share, typed.
    pub fn common(&self, c: &CommonFlags) -> Result<Common, StatusError> {
        let update = |p: &Option<String>,
                      d: &Option<String>,
                      m: &Option<String>,
                      f: &Option<String>,
                      r: &Option<String>,
                      o: &Option<String>,
                      prefix: &str|
         -> Result<UpdateOpts, StatusError> {
            Ok(UpdateOpts {
                parallelism: self.opt(
                    &format!("--{prefix}-parallelism"),
                    p,
                    strconv::parse_uint,
                )?,
                delay: self.opt(&format!("--{prefix}-delay"), d, duration)?,
                monitor: self.opt(&format!("--{prefix}-monitor"), m, duration)?,
                failure_action: f.clone(),
                max_failure_ratio: self.opt(
                    &format!("--{prefix}-max-failure-ratio"),
                    r,
                    strconv::parse_float32,
                )?,
                order: o.clone(),
            })
        };
        Ok(Common {
            workdir: c.workdir.clone(),
            user: c.user.clone(),
            hostname: c.hostname.clone(),
            entrypoint: self.opt("--entrypoint", &c.entrypoint, shlex::split)?,
            limit_cpu: self.opt("--limit-cpu", &c.limit_cpu, units::parse_nano_cpus)?,
            limit_memory: self.opt("--limit-memory", &c.limit_memory, units::ram_in_bytes)?,
            limit_pids: self.opt("--limit-pids", &c.limit_pids, strconv::parse_int)?,
            reserve_cpu: self.opt("--reserve-cpu", &c.reserve_cpu, units::parse_nano_cpus)?,
            reserve_memory: self.opt("--reserve-memory", &c.reserve_memory, units::ram_in_bytes)?,
            stop_grace: self.opt("--stop-grace-period", &c.stop_grace_period, duration)?,
            stop_signal: c.stop_signal.clone(),
            replicas: self.opt("--replicas", &c.replicas, strconv::parse_uint)?,
            max_concurrent: self.opt("--max-concurrent", &c.max_concurrent, strconv::parse_uint)?,
            max_replicas: self.opt(
                "--replicas-max-per-node",
                &c.replicas_max_per_node,
                strconv::parse_uint,
            )?,
            restart: RestartOpts {
                condition: c.restart_condition.clone(),
                delay: self.opt("--restart-delay", &c.restart_delay, duration)?,
                max_attempts: self.opt(
                    "--restart-max-attempts",
                    &c.restart_max_attempts,
                    strconv::parse_uint,
                )?,
                window: self.opt("--restart-window", &c.restart_window, duration)?,
            },
            update: update(
                &c.update_parallelism,
                &c.update_delay,
                &c.update_monitor,
                &c.update_failure_action,
                &c.update_max_failure_ratio,
                &c.update_order,
                "update",
            )?,
            rollback: update(
                &c.rollback_parallelism,
                &c.rollback_delay,
                &c.rollback_monitor,
                &c.rollback_failure_action,
                &c.rollback_max_failure_ratio,
                &c.rollback_order,
                "rollback",
            )?,
            endpoint_mode: c.endpoint_mode.clone(),
            health: HealthOpts {
                cmd: c.health_cmd.clone(),
                interval: self.opt("--health-interval", &c.health_interval, positive_duration)?,
                timeout: self.opt("--health-timeout", &c.health_timeout, positive_duration)?,
                retries: self.opt("--health-retries", &c.health_retries, strconv::parse_int)?,
                start_period: self.opt(
                    "--health-start-period",
                    &c.health_start_period,
                    positive_duration,
                )?,
                start_interval: self.opt(
                    "--health-start-interval",
                    &c.health_start_interval,
                    positive_duration,
                )?,
                no_healthcheck: c.no_healthcheck,
            },
            tty: c.tty,
            read_only: c.read_only,
            init: c.init,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::errors::Usage;

    const CREATE: Usage = Usage::new(
        "shoal service create",
        "shoal service create [OPTIONS] IMAGE [COMMAND] [ARG...]",
    );

    fn parse(f: impl FnOnce(&mut CommonFlags)) -> Result<Common, String> {
        let mut flags = CommonFlags::default();
        f(&mut flags);
        FlagParser { usage: &CREATE }
            .common(&flags)
            .map_err(|e| e.message.lines().next().unwrap_or_default().to_string())
    }

    #[test]
    fn typed_values() {
        let c = parse(|f| {
            f.replicas = Some("3".into());
            f.limit_cpu = Some("0.5".into());
            f.limit_memory = Some("512M".into());
            f.stop_grace_period = Some("1m30s".into());
            f.update_max_failure_ratio = Some("0.2".into());
            f.entrypoint = Some("sh -c 'exec sleep 1'".into());
            f.health_retries = Some("3".into());
        })
        .unwrap();
        assert_eq!(c.replicas, Some(3));
        assert_eq!(c.limit_cpu, Some(500_000_000));
        assert_eq!(c.limit_memory, Some(512 << 20));
        assert_eq!(c.stop_grace, Some(90_000_000_000));
        assert_eq!(c.update.max_failure_ratio, Some(0.2));
        assert_eq!(
            c.entrypoint,
            Some(vec!["sh".into(), "-c".into(), "exec sleep 1".into()])
        );
        assert_eq!(c.health.retries, Some(3));
    }

    #[test]
    fn bad_values_name_the_flag() {
        type Setter = Box<dyn FnOnce(&mut CommonFlags)>;
        let cases: Vec<(Setter, &str)> = vec![
            (
                Box::new(|f| f.replicas = Some("x".into())),
                r#"invalid argument "x" for "--replicas" flag: strconv.ParseUint: parsing "x": invalid syntax"#,
            ),
            (
                Box::new(|f| f.replicas = Some("-1".into())),
                r#"invalid argument "-1" for "--replicas" flag: strconv.ParseUint: parsing "-1": invalid syntax"#,
            ),
            (
                Box::new(|f| f.update_delay = Some("10".into())),
                r#"invalid argument "10" for "--update-delay" flag: time: missing unit in duration "10""#,
            ),
            (
                Box::new(|f| f.restart_delay = Some("soon".into())),
                r#"invalid argument "soon" for "--restart-delay" flag: time: invalid duration "soon""#,
            ),
            (
                Box::new(|f| f.health_interval = Some("-1s".into())),
                r#"invalid argument "-1s" for "--health-interval" flag: duration cannot be negative"#,
            ),
            (
                Box::new(|f| f.limit_memory = Some("lots".into())),
                r#"invalid argument "lots" for "--limit-memory" flag: invalid size: 'lots'"#,
            ),
            (
                Box::new(|f| f.reserve_cpu = Some("half".into())),
                r#"invalid argument "half" for "--reserve-cpu" flag: failed to parse half as a rational number"#,
            ),
            (
                Box::new(|f| f.rollback_max_failure_ratio = Some("x".into())),
                r#"invalid argument "x" for "--rollback-max-failure-ratio" flag: strconv.ParseFloat: parsing "x": invalid syntax"#,
            ),
            (
                Box::new(|f| f.entrypoint = Some("'unterminated".into())),
                r#"invalid argument "'unterminated" for "--entrypoint" flag: EOF found when expecting closing quote"#,
            ),
        ];
        for (set, want) in cases {
            assert_eq!(parse(set).unwrap_err(), want);
        }
    }
}
