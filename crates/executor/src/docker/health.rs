//! Following a container's health as the engine reports it (`State.Health.Status`, polled
//! with `inspect`): the engine runs the probe, from the service's `Healthcheck` or the
//! image's `HEALTHCHECK`.

use bollard::models::{ContainerInspectResponse, HealthConfig, HealthStatusEnum};
use bollard::Docker;
use std::time::Duration;

use super::engine::message_of;
use crate::ExecError;

/// How often the engine is asked.
pub(crate) const POLL: Duration = Duration::from_millis(500);

/// What one inspect says about a container's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Observed {
    /// No health check (none set, or disabled), or the container is not running: nothing to
    /// wait for (`wait` reports an exit).
    Settled,
    Starting,
    Healthy,
    Unhealthy,
}

/// Pure: the health in an inspect response.
pub(crate) fn classify(info: &ContainerInspectResponse) -> Observed {
    let Some(state) = info.state.as_ref() else {
        return Observed::Settled;
    };
    if state.running != Some(true) {
        return Observed::Settled;
    }
    match state.health.as_ref().and_then(|h| h.status) {
        Some(HealthStatusEnum::STARTING) => Observed::Starting,
        Some(HealthStatusEnum::HEALTHY) => Observed::Healthy,
        Some(HealthStatusEnum::UNHEALTHY) => Observed::Unhealthy,
        _ => Observed::Settled,
    }
}

/// Inspects the container once.
pub(crate) async fn observe(docker: &Docker, target: &str) -> Result<Observed, ExecError> {
    docker
        .inspect_container(target, None)
        .await
        .map(|info| classify(&info))
        .map_err(|e| ExecError::Failed(message_of(&e)))
}

/// Resolves once the container is unhealthy; never if it has no health check (or is not
/// running: the engine's wait answers then), so only checked containers are polled.
pub(crate) async fn until_unhealthy(docker: &Docker, target: &str) {
    loop {
        match observe(docker, target).await {
            Ok(Observed::Unhealthy) => return,
            Ok(Observed::Settled) => std::future::pending::<()>().await,
            // Starting, healthy, or an engine hiccup: ask again.
            _ => tokio::time::sleep(POLL).await,
        }
    }
}

/// The service's `Healthcheck` as the engine's `HealthConfig` (`None`: keep the image's).
pub(crate) fn config(healthcheck: Option<&shoal_api::HealthConfig>) -> Option<HealthConfig> {
    let hc = healthcheck?;
    Some(HealthConfig {
        test: hc.test.clone(),
        interval: hc.interval,
        timeout: hc.timeout,
        retries: hc.retries,
        start_period: hc.start_period,
        start_interval: hc.start_interval,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::{ContainerState, Health};
    use serde_json::json;

    fn inspect(running: bool, status: Option<HealthStatusEnum>) -> ContainerInspectResponse {
        ContainerInspectResponse {
            state: Some(ContainerState {
                running: Some(running),
                health: status.map(|s| Health {
                    status: Some(s),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn classifies_inspect() {
        use HealthStatusEnum::*;
        assert_eq!(classify(&inspect(true, None)), Observed::Settled);
        assert_eq!(classify(&inspect(true, Some(NONE))), Observed::Settled);
        assert_eq!(classify(&inspect(true, Some(STARTING))), Observed::Starting);
        assert_eq!(classify(&inspect(true, Some(HEALTHY))), Observed::Healthy);
        assert_eq!(
            classify(&inspect(true, Some(UNHEALTHY))),
            Observed::Unhealthy
        );
        assert_eq!(classify(&inspect(false, Some(STARTING))), Observed::Settled);
    }

    #[test]
    fn passes_the_spec_through() {
        let c = config(Some(
            &serde_json::from_value(
                json!({"Test": ["CMD-SHELL", "true"], "Interval": 1_000_000_000i64,
            "Retries": 2}),
            )
            .expect("health config"),
        ))
        .unwrap();
        assert_eq!(c.test, Some(vec!["CMD-SHELL".into(), "true".into()]));
        assert_eq!(c.interval, Some(1_000_000_000));
        assert_eq!(c.retries, Some(2));
        assert_eq!(config(None), None);
    }
}
