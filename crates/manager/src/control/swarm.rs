//! The cluster object: inspect and update (spec, token rotation).

use super::{single, ControlError};
use crate::manager::Manager;
use crate::pki::rotate_token;
use shoal_api::{Cluster, SwarmSpec};
use shoal_store::Op;

pub fn inspect(m: &Manager) -> Result<Cluster, ControlError> {
    m.read()
        .cluster
        .clone()
        .ok_or_else(|| ControlError::Unavailable("This node is not part of a swarm".into()))
}

pub async fn update(
    m: &Manager,
    version: u64,
    spec: SwarmSpec,
    rotate_worker: bool,
    rotate_manager: bool,
) -> Result<(), ControlError> {
    let mut c = inspect(m)?;
    if spec.orchestration.task_history_retention_limit < 0 {
        return Err(ControlError::invalid(
            "task history retention limit must be non-negative",
        ));
    }
    let hour = 3_600_000_000_000i64;
    if spec.ca_config.node_cert_expiry != 0 && spec.ca_config.node_cert_expiry < hour {
        return Err(ControlError::invalid(
            "minimum certificate expiry time is 1h0m0s",
        ));
    }
    c.spec = spec;
    if rotate_worker {
        c.join_tokens.worker = rotate_token(&c.join_tokens.worker);
    }
    if rotate_manager {
        c.join_tokens.manager = rotate_token(&c.join_tokens.manager);
    }
    single(
        m.propose(vec![Op::UpdateCluster {
            cluster: Box::new(c),
            expected_version: version,
        }])
        .await?,
    )?;
    Ok(())
}
