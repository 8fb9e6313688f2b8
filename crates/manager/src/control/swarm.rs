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

/// `swarm init`'s address settings, checked: the default address pools
/// (`--default-addr-pool`), the subnet size carved from them
/// (`--default-addr-pool-mask-length`) and the VXLAN port (`--data-path-port`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressSettings {
    pub pools: Vec<String>,
    pub subnet_size: u32,
    pub data_path_port: u32,
}

/// The port VXLAN uses when none is given (IANA's).
pub const DEFAULT_DATA_PATH_PORT: u32 = 4789;

impl AddressSettings {
    /// Swarm's defaults for what is unset (empty or 0); refuses a pool that is not an IPv4
    /// CIDR, pools that overlap, a subnet size outside 16..=28 or shorter than a pool's
    /// prefix, and a data path port outside 1024..=49151.
    pub fn check(pools: &[String], subnet_size: u32, port: u32) -> Result<Self, ControlError> {
        use crate::control::networks::{DEFAULT_ADDR_POOL, DEFAULT_SUBNET_SIZE};
        let pools: Vec<String> = if pools.is_empty() {
            vec![DEFAULT_ADDR_POOL.into()]
        } else {
            pools.to_vec()
        };
        let subnet_size = if subnet_size == 0 {
            DEFAULT_SUBNET_SIZE
        } else {
            subnet_size
        };
        let mut parsed: Vec<shoal_api::ipv4::Cidr> = Vec::new();
        for p in &pools {
            let c = shoal_api::ipv4::Cidr::parse(p).map_err(ControlError::invalid)?;
            if let Some(other) = parsed.iter().find(|o| o.overlaps(c)) {
                return Err(ControlError::invalid(format!(
                    "invalid default address pool {p}: it overlaps {other}"
                )));
            }
            if u32::from(c.prefix()) > subnet_size {
                return Err(ControlError::invalid(format!(
                    "invalid default address pool {p}: its prefix is longer than the subnet size /{subnet_size}"
                )));
            }
            parsed.push(c);
        }
        if !(16..=28).contains(&subnet_size) {
            return Err(ControlError::invalid(format!(
                "invalid subnet size {subnet_size}: --default-addr-pool-mask-length must be between 16 and 28"
            )));
        }
        let data_path_port = if port == 0 {
            DEFAULT_DATA_PATH_PORT
        } else {
            port
        };
        if !(1024..=49151).contains(&data_path_port) {
            return Err(ControlError::invalid(format!(
                "data path port {data_path_port} is out of range: it must be between 1024 and 49151"
            )));
        }
        Ok(AddressSettings {
            pools,
            subnet_size,
            data_path_port,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_settings_default_like_swarm_and_refuse_bad_input() {
        let d = AddressSettings::check(&[], 0, 0).expect("defaults");
        assert_eq!(
            (d.pools.as_slice(), d.subnet_size, d.data_path_port),
            (&["10.0.0.0/8".to_string()][..], 24, 4789)
        );
        let pools = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let ok = AddressSettings::check(&pools(&["10.20.0.0/16", "10.30.0.0/16"]), 26, 7777)
            .expect("custom");
        assert_eq!((ok.subnet_size, ok.data_path_port), (26, 7777));
        let err = |p: &[&str], size, port| {
            AddressSettings::check(&pools(p), size, port)
                .unwrap_err()
                .to_string()
        };
        assert!(err(&["10.0.0.0/33"], 0, 0).contains("invalid CIDR address: 10.0.0.0/33"));
        assert!(err(&["10.0.0.0/8", "10.1.0.0/16"], 0, 0).contains("overlaps"));
        assert!(err(&[], 30, 0).contains("between 16 and 28"));
        assert!(err(&["10.0.0.0/25"], 24, 0).contains("prefix is longer"));
        assert!(err(&[], 0, 80).contains("out of range"));
    }
}
