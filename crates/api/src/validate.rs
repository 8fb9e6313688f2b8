//! Spec validation: pure checks run before anything is proposed, with Docker's messages.

use crate::placement::PlacementPreference;
use crate::resources::TaskResources;
use crate::service::{ModeKind, ServiceSpec, UpdateConfig};

/// A spec the manager refuses; the text is what the client shows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidSpec(pub String);

/// Swarm's rule for names: at most 63 characters of letters and digits, with dashes and
/// underscores only between them (stacks name services `<stack>_<name>`).
fn valid_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

pub fn validate_service_spec(spec: &ServiceSpec) -> Result<(), InvalidSpec> {
    if !valid_name(&spec.name) {
        return Err(InvalidSpec(format!(
            "name must be valid as a DNS name component (got {:?})",
            spec.name
        )));
    }
    if spec.task_template.container_spec.image.trim().is_empty() {
        return Err(InvalidSpec(
            "ContainerSpec: image reference must be provided".into(),
        ));
    }
    if let Some(g) = spec.task_template.container_spec.stop_grace_period {
        if g < 0 {
            return Err(InvalidSpec(
                "TaskSpec: stop grace period must be non-negative".into(),
            ));
        }
    }
    if let Some(rp) = &spec.task_template.restart_policy {
        if rp.delay.is_some_and(|d| d < 0) {
            return Err(InvalidSpec(
                "TaskSpec: restart-delay cannot be negative".into(),
            ));
        }
        if rp.window.is_some_and(|d| d < 0) {
            return Err(InvalidSpec(
                "TaskSpec: restart-window cannot be negative".into(),
            ));
        }
    }
    let set = [
        spec.mode.replicated.is_some(),
        spec.mode.global.is_some(),
        spec.mode.replicated_job.is_some(),
        spec.mode.global_job.is_some(),
    ];
    if set.iter().filter(|x| **x).count() > 1 {
        return Err(InvalidSpec(
            "service mode must be exactly one of replicated, global, replicated-job, global-job"
                .into(),
        ));
    }
    if let Some(ep) = &spec.endpoint_spec {
        let ingress = ep
            .ports
            .iter()
            .any(|p| matches!(p.publish_mode.as_str(), "" | "ingress"));
        if ep.mode == "dnsrr" && ingress {
            return Err(InvalidSpec(
                "EndpointSpec: port published with ingress mode can't be used with dnsrr mode"
                    .into(),
            ));
        }
    }
    let resources = TaskResources::of(spec.task_template.resources.as_ref());
    crate::resources::validate(&resources.limits).map_err(InvalidSpec)?;
    crate::resources::validate(&resources.reservations).map_err(InvalidSpec)?;
    if let Some(p) = &spec.task_template.placement {
        for pref in &p.preferences {
            validate_preference(pref)?;
        }
    }
    if spec.mode.is_job() {
        // swarmkit's words: a job is run again by an update, never rolled.
        if spec.update_config.is_some() {
            return Err(InvalidSpec("Jobs may not have an update config".into()));
        }
    } else {
        validate_update(spec.update_config.as_ref(), "update", false)?;
        validate_update(spec.rollback_config.as_ref(), "rollback", true)?;
    }
    Ok(())
}

/// swarmkit's checks of an update (or rollback) config, plus the values Docker accepts for
/// the failure action and order.
fn validate_update(
    uc: Option<&UpdateConfig>,
    what: &str,
    rollback: bool,
) -> Result<(), InvalidSpec> {
    let Some(uc) = uc else { return Ok(()) };
    if uc.delay.is_some_and(|d| d < 0) {
        return Err(InvalidSpec(format!(
            "TaskSpec: {what}-delay cannot be negative"
        )));
    }
    if uc.monitor.is_some_and(|d| d < 0) {
        return Err(InvalidSpec(format!(
            "TaskSpec: {what}-monitor cannot be negative"
        )));
    }
    if uc
        .max_failure_ratio
        .is_some_and(|r| !(0.0..=1.0).contains(&r))
    {
        return Err(InvalidSpec(format!(
            "TaskSpec: {what}-maxfailureratio cannot be less than 0 or bigger than 1"
        )));
    }
    match uc.failure_action.as_deref() {
        None | Some("" | "pause" | "continue") => {}
        Some("rollback") if !rollback => {}
        Some(other) => {
            let allowed = if rollback {
                "pause or continue"
            } else {
                "pause, continue or rollback"
            };
            return Err(InvalidSpec(format!(
                "unrecognized {what} failure action {other} (must be {allowed})"
            )));
        }
    }
    match uc.order.as_deref() {
        None | Some("" | "stop-first" | "start-first") => Ok(()),
        Some(other) => Err(InvalidSpec(format!(
            "unrecognized {what} order {other} (must be stop-first or start-first)"
        ))),
    }
}

/// Only spread preferences exist (`{"Spread": {"SpreadDescriptor": "node.labels.x"}}`).
fn validate_preference(pref: &PlacementPreference) -> Result<(), InvalidSpec> {
    let Some(descriptor) = pref.spread_descriptor() else {
        return Err(InvalidSpec(format!(
            "unsupported placement preference {} (only spread is supported)",
            pref.kind()
        )));
    };
    let lower = descriptor.to_ascii_lowercase();
    let known = ["node.labels.", "engine.labels."]
        .iter()
        .any(|p| lower.starts_with(p) && lower.len() > p.len());
    if !known {
        return Err(InvalidSpec(format!(
            "invalid placement preference: spread over {descriptor:?} (use node.labels.<key> or engine.labels.<key>)"
        )));
    }
    Ok(())
}

/// Changing a service between modes is refused, as in Swarm.
pub fn validate_mode_change(old: &ServiceSpec, new: &ServiceSpec) -> Result<(), InvalidSpec> {
    let same = matches!(
        (old.mode.kind(), new.mode.kind()),
        (ModeKind::Replicated(_), ModeKind::Replicated(_))
            | (ModeKind::Global, ModeKind::Global)
            | (
                ModeKind::ReplicatedJob { .. },
                ModeKind::ReplicatedJob { .. }
            )
            | (ModeKind::GlobalJob, ModeKind::GlobalJob)
    );
    if same {
        Ok(())
    } else {
        Err(InvalidSpec("service mode change is not allowed".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::ServiceMode;

    fn spec(name: &str, image: &str) -> ServiceSpec {
        let mut s = ServiceSpec {
            name: name.into(),
            ..Default::default()
        };
        s.task_template.container_spec.image = image.into();
        s
    }

    #[test]
    fn names_must_be_dns_labels() {
        assert!(validate_service_spec(&spec("web", "busybox")).is_ok());
        assert!(validate_service_spec(&spec("stack_web", "busybox")).is_ok());
        for bad in ["", "-x", "x-", "_b", "a.b", &"a".repeat(64)] {
            assert!(
                validate_service_spec(&spec(bad, "busybox")).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn image_is_required() {
        let e = validate_service_spec(&spec("web", "")).unwrap_err();
        assert!(e.0.contains("image reference must be provided"));
    }

    #[test]
    fn mode_change_is_refused() {
        let a = ServiceSpec {
            mode: ServiceMode::replicated(2),
            ..Default::default()
        };
        let b = ServiceSpec {
            mode: ServiceMode {
                global: Some(serde_json::json!({})),
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(validate_mode_change(&a, &a).is_ok());
        assert_eq!(
            validate_mode_change(&a, &b).unwrap_err().0,
            "service mode change is not allowed"
        );
    }
}
