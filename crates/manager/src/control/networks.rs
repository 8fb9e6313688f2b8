//! Network operations: create, list, inspect, remove; the `ingress` network made at
//! `swarm init`; and the references services make to networks (`TaskTemplate.Networks`),
//! checked and stored as network IDs so that a network in use cannot be removed.

use super::filters::Filters;
use super::{resolve_id, single, ControlError};
use crate::ids::new_id;
use crate::manager::Manager;
use shoal_api::network::{
    next_subnet, validate_network_create, Ipam, IpamConfig, Network, NetworkCreate,
};
use shoal_api::ServiceSpec;
use shoal_store::{Kind, Op, State};

/// Docker's network list filters.
pub const FILTERS: &[&str] = &["name", "id", "label", "driver", "scope", "type", "dangling"];

/// The network `req` asks for, with a free subnet when it names none.
fn network(st: &State, req: NetworkCreate) -> Network {
    let used: Vec<String> = st
        .networks
        .values()
        .flat_map(|n| n.ipam.config.iter().map(|c| c.subnet.clone()))
        .collect();
    let mut ipam = req.ipam.clone().unwrap_or_default();
    if ipam.driver.is_empty() {
        ipam.driver = "default".into();
    }
    if ipam.config.iter().all(|c| c.subnet.is_empty()) {
        if let Some((subnet, gateway)) = next_subnet(&used) {
            ipam.config = vec![IpamConfig { subnet, gateway }];
        }
    }
    let mut options = req.options.clone();
    // Docker shows the VXLAN id an overlay got; one per network, from 4096 as in Swarm.
    options
        .entry("com.docker.network.driver.overlay.vxlanid_list".into())
        .or_insert_with(|| (4096 + st.networks.len()).to_string());
    Network {
        name: req.name,
        id: new_id(),
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
    }
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
        network(&st, req)
    };
    let id = net.id.clone();
    single(m.propose(vec![Op::CreateNetwork(Box::new(net))]).await?)?;
    Ok(id)
}

/// The `ingress` network every swarm starts with (what `swarm init` creates in Docker).
pub fn ingress_op(st: &State) -> Op {
    let req = NetworkCreate {
        name: "ingress".into(),
        driver: "overlay".into(),
        ingress: true,
        ipam: Some(Ipam {
            config: vec![IpamConfig {
                subnet: "10.0.0.0/24".into(),
                gateway: "10.0.0.1".into(),
            }],
            ..Default::default()
        }),
        ..Default::default()
    };
    Op::CreateNetwork(Box::new(network(st, req)))
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
