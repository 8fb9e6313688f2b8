//! Swarm's service defaults, filled in for `GET /services/{id}?insertDefaults=true`.
//!
//! One departure, on purpose: when the user gives no restart delay shoal keeps `Delay` unset
//! and uses its adaptive back-off (first restart at once, then 100 ms doubling to 5 s) instead
//! of Swarm's flat 5 s, so a crashed server comes back in well under a second.

use crate::service::{
    ContainerSpec, EndpointSpec, RestartCondition, RestartPolicy, ServiceSpec, UpdateConfig,
};

pub const STOP_GRACE_NANOS: i64 = 10_000_000_000;
pub const MONITOR_NANOS: i64 = 5_000_000_000;

fn fill_update(cfg: &mut Option<UpdateConfig>) {
    let c = cfg.get_or_insert_with(|| UpdateConfig {
        parallelism: 1,
        ..Default::default()
    });
    c.failure_action.get_or_insert_with(|| "pause".into());
    c.monitor.get_or_insert(MONITOR_NANOS);
    c.max_failure_ratio.get_or_insert(0.0);
    c.order.get_or_insert_with(|| "stop-first".into());
}

fn fill_container(c: &mut ContainerSpec) {
    c.stop_grace_period.get_or_insert(STOP_GRACE_NANOS);
    c.isolation.get_or_insert_with(|| "default".into());
}

/// Returns the spec with every unset field that has a Swarm default filled in.
pub fn with_defaults(spec: &ServiceSpec) -> ServiceSpec {
    let mut s = spec.clone();
    fill_container(&mut s.task_template.container_spec);
    let rp = s
        .task_template
        .restart_policy
        .get_or_insert_with(RestartPolicy::default);
    rp.condition.get_or_insert(RestartCondition::Any);
    rp.max_attempts.get_or_insert(0);
    s.task_template
        .runtime
        .get_or_insert_with(|| "container".into());
    fill_update(&mut s.update_config);
    fill_update(&mut s.rollback_config);
    let ep = s.endpoint_spec.get_or_insert_with(EndpointSpec::default);
    if ep.mode.is_empty() {
        ep.mode = "vip".into();
    }
    s
}

/// The stop grace period of a spec, defaulted.
pub fn stop_grace_nanos(c: &ContainerSpec) -> i64 {
    c.stop_grace_period.unwrap_or(STOP_GRACE_NANOS)
}
