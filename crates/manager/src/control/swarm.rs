//! The cluster object: inspect and update (spec, token rotation).

use super::ControlError;
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

/// What `swarm update` should rotate besides the spec.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rotate {
    pub worker_token: bool,
    pub manager_token: bool,
    pub manager_unlock_key: bool,
}

/// `GET /swarm/unlockkey`: the key while autolock is on, else empty.
pub fn unlock_key(m: &Manager) -> Result<String, ControlError> {
    inspect(m)?;
    Ok(m.read().unlock_key.clone().unwrap_or_default())
}

/// The unlock-key op that goes with a spec change: a key appears when autolock turns on (or
/// is rotated) and goes away when it turns off.
pub fn unlock_key_op(current: Option<&str>, autolock: bool, rotate: bool) -> Option<Op> {
    match (autolock, current) {
        (false, None) => None,
        (false, Some(_)) => Some(Op::SetUnlockKey(None)),
        (true, Some(_)) if !rotate => None,
        (true, _) => Some(Op::SetUnlockKey(Some(
            crate::autolock::UnlockKey::generate().text(),
        ))),
    }
}

pub async fn update(
    m: &Manager,
    version: u64,
    spec: SwarmSpec,
    rotate: Rotate,
) -> Result<(), ControlError> {
    let (rotate_worker, rotate_manager) = (rotate.worker_token, rotate.manager_token);
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
    let rotate_ca = spec.ca_config.force_rotate != c.spec.ca_config.force_rotate;
    let ca_ops = if rotate_ca {
        crate::ca_rotation::start_ops(&m.read())?
    } else {
        Vec::new()
    };
    let key_op = unlock_key_op(
        m.read().unlock_key.as_deref(),
        spec.encryption_config.auto_lock_managers,
        rotate.manager_unlock_key,
    );
    c.spec = spec;
    if rotate_worker {
        c.join_tokens.worker = rotate_token(&c.join_tokens.worker);
    }
    if rotate_manager {
        c.join_tokens.manager = rotate_token(&c.join_tokens.manager);
    }
    let mut ops = vec![Op::UpdateCluster {
        cluster: Box::new(c),
        expected_version: version,
    }];
    // The key only changes if the cluster update itself applies (same batch, checked first).
    let results = m
        .propose(ops.drain(..).chain(key_op).chain(ca_ops).collect())
        .await?;
    if let Some(Err(e)) = results.into_iter().next() {
        return Err(e.into());
    }
    Ok(())
}
