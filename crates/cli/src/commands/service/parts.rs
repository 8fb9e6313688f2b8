//! The service-level pieces of a `ServiceSpec` that `create` builds and
//! `update` edits: restart policy, update/rollback config, mode and
//! placement preferences, labels. Pure functions, worded and defaulted as
//! docker/cli does it ([`super::container`] has the container-level ones).

use super::parse::{RestartOpts, UpdateOpts};
use serde_json::{json, Value};
use shoal_api::{
    ModeKind, ReplicatedJob, ReplicatedService, RestartCondition, RestartPolicy, ServiceMode,
    UpdateConfig,
};

/// The restart condition as the API spells it.
pub fn restart_condition(s: &str) -> Result<RestartCondition, String> {
    match s {
        "any" => Ok(RestartCondition::Any),
        "on-failure" => Ok(RestartCondition::OnFailure),
        "none" => Ok(RestartCondition::None),
        other => Err(format!(
            "invalid RestartCondition: {}",
            shoal_gocompat::strconv::quote(other)
        )),
    }
}

/// Applies the restart flags given onto `base` (create: nothing). Only
/// the fields given are set: an unset delay keeps shoal's adaptive
/// restart back-off instead of pinning docker's flat 5 s.
pub fn restart_policy(
    opts: &RestartOpts,
    base: Option<RestartPolicy>,
) -> Result<Option<RestartPolicy>, String> {
    if !opts.any() {
        return Ok(base);
    }
    let mut rp = base.unwrap_or_default();
    if let Some(c) = &opts.condition {
        rp.condition = Some(restart_condition(c)?);
    }
    if let Some(d) = opts.delay {
        rp.delay = Some(d);
    }
    if let Some(m) = opts.max_attempts {
        rp.max_attempts = Some(m);
    }
    if let Some(w) = opts.window {
        rp.window = Some(w);
    }
    Ok(Some(rp))
}

/// swarmkit's defaults for `UpdateConfig` and `RollbackConfig` (the same):
/// one task at a time, pause on failure, 5 s monitor, stop-first.
pub fn default_update_config() -> UpdateConfig {
    UpdateConfig {
        parallelism: 1,
        delay: None,
        failure_action: Some("pause".into()),
        monitor: Some(5_000_000_000),
        max_failure_ratio: Some(0.0),
        order: Some("stop-first".into()),
    }
}

/// Applies `--update-*` (or `--rollback-*`) flags onto `base`; when there
/// is no base yet, docker starts from the defaults.
pub fn update_config(
    opts: &UpdateOpts,
    base: Option<UpdateConfig>,
    rollback: bool,
) -> Result<Option<UpdateConfig>, String> {
    if !opts.any() {
        return Ok(base);
    }
    let mut c = base.unwrap_or_else(default_update_config);
    if let Some(p) = opts.parallelism {
        c.parallelism = p;
    }
    if let Some(d) = opts.delay {
        c.delay = Some(d);
    }
    if let Some(m) = opts.monitor {
        c.monitor = Some(m);
    }
    if let Some(a) = &opts.failure_action {
        let ok = if rollback {
            matches!(a.as_str(), "pause" | "continue" | "")
        } else {
            matches!(a.as_str(), "pause" | "continue" | "rollback" | "")
        };
        if !ok {
            let what = if rollback { "rollback" } else { "update" };
            return Err(format!("unrecognized {what} failure action {a}"));
        }
        c.failure_action = Some(a.clone());
    }
    if let Some(r) = opts.max_failure_ratio {
        c.max_failure_ratio = Some(r);
    }
    if let Some(o) = &opts.order {
        if !matches!(o.as_str(), "start-first" | "stop-first" | "") {
            return Err(format!("unrecognized update order {o}"));
        }
        c.order = Some(o.clone());
    }
    Ok(Some(c))
}

/// `--mode` with `--replicas` / `--max-concurrent` /
/// `--replicas-max-per-node` (docker's `ToServiceMode`).
pub fn service_mode(
    mode: &str,
    replicas: Option<u64>,
    max_concurrent: Option<u64>,
    max_replicas: Option<u64>,
) -> Result<ServiceMode, String> {
    let per_node = max_replicas.is_some_and(|m| m > 0);
    let mut m = ServiceMode::default();
    match mode {
        "global" => {
            if replicas.is_some() {
                return Err(
                    "replicas can only be used with replicated or replicated-job mode".into(),
                );
            }
            if per_node {
                return Err(
                    "replicas-max-per-node can only be used with replicated or replicated-job mode"
                        .into(),
                );
            }
            if max_concurrent.is_some() {
                return Err("max-concurrent can only be used with replicated-job mode".into());
            }
            m.global = Some(json!({}));
        }
        "replicated" => {
            if max_concurrent.is_some() {
                return Err("max-concurrent can only be used with replicated-job mode".into());
            }
            m.replicated = Some(ReplicatedService { replicas });
        }
        "replicated-job" => {
            m.replicated_job = Some(ReplicatedJob {
                max_concurrent: max_concurrent.or(replicas),
                total_completions: replicas,
            });
        }
        "global-job" => {
            if per_node {
                return Err(
                    "replicas-max-per-node can only be used with replicated or replicated-job mode"
                        .into(),
                );
            }
            if max_concurrent.is_some() {
                return Err("max-concurrent can only be used with replicated-job mode".into());
            }
            if replicas.is_some() {
                return Err(
                    "replicas can only be used with replicated or replicated-job mode".into(),
                );
            }
            m.global_job = Some(json!({}));
        }
        other => {
            return Err(format!(
                "unknown mode: {other}, only replicated and global supported"
            ))
        }
    }
    Ok(m)
}

/// Whether a mode is a job (no update or rollback config allowed).
pub fn is_job(mode: &ServiceMode) -> bool {
    matches!(
        mode.kind(),
        ModeKind::ReplicatedJob { .. } | ModeKind::GlobalJob
    )
}

/// `--placement-pref spread=node.labels.dc` as the API's preference.
pub fn placement_pref(value: &str) -> Result<Value, String> {
    let Some((strategy, arg)) = value.split_once('=').filter(|(s, _)| !s.is_empty()) else {
        return Err(r#"placement preference must be of the format "<strategy>=<arg>""#.to_string());
    };
    if strategy != "spread" {
        return Err(format!(
            "unsupported placement preference {strategy} (only spread is supported)"
        ));
    }
    Ok(json!({"Spread": {"SpreadDescriptor": arg}}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restart_policies() {
        assert_eq!(restart_policy(&RestartOpts::default(), None), Ok(None));
        let got = restart_policy(
            &RestartOpts {
                condition: Some("on-failure".into()),
                max_attempts: Some(3),
                ..Default::default()
            },
            None,
        )
        .unwrap()
        .unwrap();
        assert_eq!(got.condition, Some(RestartCondition::OnFailure));
        assert_eq!(got.delay, None);
        assert_eq!(got.max_attempts, Some(3));
        assert_eq!(
            restart_policy(
                &RestartOpts {
                    condition: Some("always".into()),
                    ..Default::default()
                },
                None
            ),
            Err("invalid RestartCondition: \"always\"".into())
        );
    }

    #[test]
    fn update_configs() {
        assert_eq!(update_config(&UpdateOpts::default(), None, false), Ok(None));
        let got = update_config(
            &UpdateOpts {
                parallelism: Some(2),
                delay: Some(10_000_000_000),
                ..Default::default()
            },
            None,
            false,
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            got,
            UpdateConfig {
                parallelism: 2,
                delay: Some(10_000_000_000),
                ..default_update_config()
            }
        );
        let bad = UpdateOpts {
            failure_action: Some("rollback".into()),
            ..Default::default()
        };
        assert_eq!(
            update_config(&bad, None, true),
            Err("unrecognized rollback failure action rollback".into())
        );
        assert!(update_config(&bad, None, false).is_ok());
        let bad_order = UpdateOpts {
            order: Some("sideways".into()),
            ..Default::default()
        };
        assert_eq!(
            update_config(&bad_order, None, false),
            Err("unrecognized update order sideways".into())
        );
    }

    #[test]
    fn modes() {
        assert_eq!(
            service_mode("replicated", Some(3), None, None).unwrap(),
            ServiceMode::replicated(3)
        );
        assert!(service_mode("global", None, None, None)
            .unwrap()
            .global
            .is_some());
        let job = service_mode("replicated-job", Some(4), None, None).unwrap();
        assert_eq!(
            job.replicated_job,
            Some(ReplicatedJob {
                max_concurrent: Some(4),
                total_completions: Some(4)
            })
        );
        let errors = [
            (
                ("global", Some(2), None, None),
                "replicas can only be used with replicated or replicated-job mode",
            ),
            (
                ("global", None, None, Some(1)),
                "replicas-max-per-node can only be used with replicated or replicated-job mode",
            ),
            (
                ("replicated", None, Some(1), None),
                "max-concurrent can only be used with replicated-job mode",
            ),
            (
                ("daemonset", None, None, None),
                "unknown mode: daemonset, only replicated and global supported",
            ),
        ];
        for ((mode, r, c, m), want) in errors {
            assert_eq!(service_mode(mode, r, c, m).unwrap_err(), want);
        }
    }

    #[test]
    fn placement_prefs() {
        assert_eq!(
            placement_pref("spread=node.labels.dc"),
            Ok(json!({"Spread": {"SpreadDescriptor": "node.labels.dc"}}))
        );
        assert_eq!(
            placement_pref("pack=x"),
            Err("unsupported placement preference pack (only spread is supported)".into())
        );
        assert_eq!(
            placement_pref("spread"),
            Err(r#"placement preference must be of the format "<strategy>=<arg>""#.into())
        );
    }
}
