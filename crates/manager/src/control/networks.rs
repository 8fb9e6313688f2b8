//! Network operations: create, list, inspect, remove; the `ingress` network made at
//! `swarm init`; and the references services make to networks (`TaskTemplate.Networks`),
//! checked and stored as network IDs so that a network in use cannot be removed.

use super::filters::Filters;
use super::{resolve_id, single, ControlError};
use crate::ids::new_id;
use crate::manager::Manager;
use shoal_api::ipv4::Cidr;
use shoal_api::network::{validate_network_create, IpamConfig, Network, NetworkCreate};
use shoal_api::ServiceSpec;
use shoal_core::ipam::{check_requested, next_subnet};
use shoal_store::{Kind, Op, State};
use std::net::Ipv4Addr;

/// Docker's network list filters.
pub const FILTERS: &[&str] = &["name", "id", "label", "driver", "scope", "type", "dangling"];

/// The default address pools and subnet size of the swarm (Swarm's `10.0.0.0/8` and /24
/// when it has none).
pub fn pools_of(st: &State) -> (Vec<String>, u32) {
    let cluster = st.cluster.as_ref();
    let pools = cluster
        .map(|c| c.default_addr_pool.clone())
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| vec![DEFAULT_ADDR_POOL.into()]);
    let mask = cluster
        .map(|c| c.subnet_size)
        .filter(|m| *m > 0)
        .unwrap_or(DEFAULT_SUBNET_SIZE);
    (pools, mask)
}

pub const DEFAULT_ADDR_POOL: &str = "10.0.0.0/8";
pub const DEFAULT_SUBNET_SIZE: u32 = 24;

/// The network `req` asks for: its requested subnet checked, or the next free subnet of the
/// swarm's pools. Subnets never overlap.
pub fn plan_create(
    st: &State,
    req: NetworkCreate,
    pools: &[String],
    mask: u32,
    id: String,
) -> Result<Network, ControlError> {
    let used: Vec<Cidr> = st
        .networks
        .values()
        .flat_map(|n| n.ipam.config.iter())
        .filter_map(|c| Cidr::parse(&c.subnet).ok())
        .collect();
    let mut ipam = req.ipam.clone().unwrap_or_default();
    if ipam.driver.is_empty() {
        ipam.driver = "default".into();
    }
    let requested = ipam
        .config
        .first()
        .filter(|c| !c.subnet.is_empty())
        .cloned();
    ipam.config = match requested {
        Some(cfg) => vec![check_requested(&cfg, &used).map_err(ControlError::invalid)?],
        None => {
            let subnet = next_subnet(pools, mask, &used).map_err(ControlError::invalid)?;
            let gateway = subnet.hosts().next().map(Ipv4Addr::from);
            vec![IpamConfig {
                subnet: subnet.to_string(),
                gateway: gateway.map(|g| g.to_string()).unwrap_or_default(),
                ..Default::default()
            }]
        }
    };
    let mut options = req.options.clone();
    // Docker shows the VXLAN id an overlay got; one per network, from 4096 as in Swarm.
    options
        .entry("com.docker.network.driver.overlay.vxlanid_list".into())
        .or_insert_with(|| (4096 + st.networks.len()).to_string());
    Ok(Network {
        name: req.name,
        id,
        scope: "swarm".into(),
        driver: "overlay".into(),
        enable_ipv6: req.enable_ipv6,
        ipam,
        internal: req.internal,
        attachable: req.attachable,
        ingress: req.ingress,
        options,
        labels: req.labels,
        ..Default::default()
    })
}

/// Creates a network; returns its ID.
pub async fn create(m: &Manager, req: NetworkCreate) -> Result<String, ControlError> {
    validate_network_create(&req).map_err(ControlError::InvalidArgument)?;
    let net = {
        let st = m.read();
        if req.ingress && st.networks.values().any(|n| n.ingress) {
            return Err(ControlError::Conflict(
                "ingress network already exists: remove it first".into(),
            ));
        }
        let (pools, mask) = pools_of(&st);
        plan_create(&st, req, &pools, mask, new_id())?
    };
    let id = net.id.clone();
    single(m.propose(vec![Op::CreateNetwork(Box::new(net))]).await?)?;
    Ok(id)
}

/// The `ingress` network every swarm starts with (what `swarm init` creates in Docker): the
/// first subnet of the swarm's pools.
pub fn ingress_op(pools: &[String], mask: u32) -> Result<Op, ControlError> {
    let req = NetworkCreate {
        name: "ingress".into(),
        driver: "overlay".into(),
        ingress: true,
        ..Default::default()
    };
    let net = plan_create(&State::default(), req, pools, mask, new_id())?;
    Ok(Op::CreateNetwork(Box::new(net)))
}

pub fn matches(f: &Filters, n: &Network) -> bool {
    f.any("name", |v| n.name.contains(v))
        && f.any("id", |v| n.id.starts_with(v))
        && f.labels("label", &n.labels)
        && f.any("driver", |v| n.driver == v)
        && f.any("scope", |v| n.scope == v)
        && f.any("type", |v| match v {
            "builtin" => n.ingress,
            "custom" => !n.ingress,
            _ => false,
        })
}

pub fn list(m: &Manager, f: &Filters) -> Vec<Network> {
    let st = m.read();
    let mut out: Vec<Network> = st
        .networks
        .values()
        .filter(|n| matches(f, n))
        .filter(|n| {
            // dangling=true: used by no service.
            f.any("dangling", |v| {
                let used = !users(&st, &n.id).is_empty();
                match v {
                    "true" | "1" => !used,
                    _ => used,
                }
            })
        })
        .cloned()
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

pub fn inspect(m: &Manager, reference: &str) -> Result<Network, ControlError> {
    let st = m.read();
    let id = resolve_id(&st, Kind::Network, reference)?;
    Ok(st.networks[&id].clone())
}

/// IDs of the services attached to network `id`.
fn users(st: &State, id: &str) -> Vec<String> {
    st.services
        .values()
        .filter(|s| attachments(&s.spec).iter().any(|t| t == id))
        .map(|s| s.id.clone())
        .collect()
}

/// Removing a network as data: refused while a service is attached to it.
pub fn plan_remove(st: &State, reference: &str) -> Result<Op, ControlError> {
    let id = resolve_id(st, Kind::Network, reference)?;
    if let Some(user) = users(st, &id).first() {
        return Err(ControlError::Conflict(format!(
            "rpc error: code = FailedPrecondition desc = network {id} is in use by service {user}"
        )));
    }
    Ok(Op::DeleteNetwork { id })
}

pub async fn remove(m: &Manager, reference: &str) -> Result<(), ControlError> {
    let op = plan_remove(&m.read(), reference)?;
    single(m.propose(vec![op]).await?)?;
    Ok(())
}

/// The network targets of a service spec (`TaskTemplate.Networks[].Target`).
fn attachments(spec: &ServiceSpec) -> Vec<String> {
    spec.task_template
        .networks
        .iter()
        .flatten()
        .map(|n| n.target.clone())
        .collect()
}

/// Resolves a spec's network targets (ID, name or prefix) to network IDs, as Docker stores
/// them; an unknown network is refused.
pub fn resolve_attachments(st: &State, spec: &mut ServiceSpec) -> Result<(), ControlError> {
    for n in spec.task_template.networks.iter_mut().flatten() {
        if n.target.is_empty() {
            continue;
        }
        let target = n.target.clone();
        let id = resolve_id(st, Kind::Network, &target)
            .map_err(|_| ControlError::invalid(format!("network {target} not found")))?;
        if st.networks[&id].ingress {
            return Err(ControlError::invalid(
                "service cannot be explicitly attached to the ingress network",
            ));
        }
        n.target = id;
    }
    Ok(())
}
