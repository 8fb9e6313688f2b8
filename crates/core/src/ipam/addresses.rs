//! Addresses on networks: what is in use (gateways, services' virtual IPs, the addresses of
//! tasks that have not ended), and the lowest free one for a new task or service.

use crate::plan::Plan;
use shoal_api::ipv4::{addr_of, Cidr};
use shoal_api::network::Network;
use shoal_api::{
    AttachedIpam, AttachedNetwork, AttachedNetworkSpec, EndpointSpec, EndpointVirtualIp,
    NetworkAttachment, Service, TaskSpec,
};
use shoal_store::State;
use std::collections::{BTreeSet, HashMap};

/// Addresses taken on each network (by network ID).
#[derive(Debug, Default, Clone)]
pub struct InUse {
    taken: HashMap<String, BTreeSet<u32>>,
}

/// A network's subnet and the part of it addresses come from.
fn pool_of(net: &Network) -> Option<(Cidr, Cidr)> {
    let cfg = net.ipam.config.first()?;
    let subnet = Cidr::parse(&cfg.subnet).ok()?;
    let range = Cidr::parse(&cfg.ip_range).unwrap_or(subnet);
    Some((subnet, range))
}

impl InUse {
    /// What the state holds now. A service's virtual IPs are its own until it is removed; a
    /// task's addresses until it has ended.
    pub fn of(st: &State) -> InUse {
        let mut u = InUse::default();
        for net in st.networks.values() {
            let gateway = net.ipam.config.first().and_then(|c| addr_of(&c.gateway));
            u.taken.entry(net.id.clone()).or_default().extend(gateway);
            for addr in net.node_addresses.values() {
                u.take(&net.id, addr);
            }
        }
        for s in st.services.values() {
            for vip in &s.endpoint.virtual_ips {
                u.take(&vip.network_id, &vip.addr);
            }
        }
        for t in st.tasks.values().filter(|t| !t.status.state.is_terminal()) {
            for a in &t.networks_attachments {
                for addr in &a.addresses {
                    u.take(&a.network.id, addr);
                }
            }
        }
        u
    }

    /// Marks `addr` taken on the network.
    pub fn take(&mut self, network_id: &str, addr: &str) {
        if let Some(a) = addr_of(addr) {
            self.taken
                .entry(network_id.to_string())
                .or_default()
                .insert(a);
        }
    }

    /// The lowest free address of `net` (in its IP range, if it has one), now taken,
    /// written with the subnet's prefix (`10.0.1.5/24`).
    pub fn allocate(&mut self, net: &Network) -> Result<String, String> {
        self.allocate_from(net, false)
    }

    /// The highest free address of `net`: nodes' own addresses come from the top, services'
    /// and tasks' from the bottom, so allocations decided concurrently (the control API's
    /// VIPs, the reconciler's) meet only on a nearly full network.
    pub fn allocate_high(&mut self, net: &Network) -> Result<String, String> {
        self.allocate_from(net, true)
    }

    fn allocate_from(&mut self, net: &Network, high: bool) -> Result<String, String> {
        let (subnet, range) = pool_of(net)
            .ok_or_else(|| format!("network {} has no subnet to give addresses from", net.name))?;
        let taken = self.taken.entry(net.id.clone()).or_default();
        // The subnet's own network and broadcast addresses are never given, even when the
        // range starts or ends on them.
        let hosts = subnet.host_range();
        let usable = |a: &u32| hosts.contains(a) && !taken.contains(a);
        let found = if high {
            range.host_range().rev().find(usable)
        } else {
            range.host_range().find(usable)
        };
        let free = found.ok_or_else(|| {
            format!(
                "no available IPv4 addresses on this network's address pools: {} ({})",
                net.name, net.id
            )
        })?;
        taken.insert(free);
        Ok(subnet.with_prefix(free))
    }
}

/// The networks a service's tasks join: those its task template names (by ID, as stored),
/// and `ingress` when it publishes a port in ingress mode.
pub fn task_networks<'s>(
    st: &'s State,
    spec: &TaskSpec,
    endpoint: Option<&EndpointSpec>,
) -> Vec<&'s Network> {
    let mut out: Vec<&Network> = spec
        .networks
        .iter()
        .flatten()
        .filter_map(|n| st.networks.get(&n.target))
        .collect();
    let ingress_ports = endpoint.is_some_and(|e| {
        e.ports
            .iter()
            .any(|p| matches!(p.publish_mode.as_str(), "" | "ingress"))
    });
    if ingress_ports {
        out.extend(st.networks.values().find(|n| n.ingress));
    }
    out.dedup_by(|a, b| a.id == b.id);
    out
}

/// A service's virtual IPs after a create or update: one per network its tasks join
/// (endpoint mode `vip`; none with `dnsrr`), keeping the ones it already had on networks it
/// stays on.
pub fn service_vips(
    st: &State,
    in_use: &mut InUse,
    service: &Service,
    had: &[EndpointVirtualIp],
) -> Result<Vec<EndpointVirtualIp>, String> {
    let endpoint = service.spec.endpoint_spec.as_ref();
    if endpoint.is_some_and(|e| e.mode == "dnsrr") {
        return Ok(Vec::new());
    }
    task_networks(st, &service.spec.task_template, endpoint)
        .into_iter()
        .map(|net| match had.iter().find(|v| v.network_id == net.id) {
            Some(kept) => Ok(kept.clone()),
            None => Ok(EndpointVirtualIp {
                network_id: net.id.clone(),
                addr: in_use.allocate(net)?,
            }),
        })
        .collect()
}

/// Gives each task created in this pass an address on each network it joins. A task that
/// cannot get one is not created in this pass (the orchestrator asks again in the next).
pub fn attach_new_tasks(st: &State, plan: &mut Plan) {
    // Most passes create no task on a network: skip the walk over the whole state then.
    let needs_address = |t: &shoal_api::Task| {
        !task_networks(st, &t.spec, t.endpoint.as_ref().map(|e| &e.spec)).is_empty()
    };
    if !plan.new_tasks.iter().any(needs_address) {
        return;
    }
    let mut in_use = InUse::of(st);
    plan.new_tasks.retain_mut(|task| {
        let endpoint = task.endpoint.as_ref().map(|e| &e.spec);
        let mut attachments = Vec::new();
        for net in task_networks(st, &task.spec, endpoint) {
            match in_use.allocate(net) {
                Ok(addr) => attachments.push(NetworkAttachment {
                    network: AttachedNetwork {
                        id: net.id.clone(),
                        spec: AttachedNetworkSpec {
                            name: net.name.clone(),
                            ingress: net.ingress,
                            attachable: net.attachable,
                            driver_options: net.options.clone(),
                            labels: net.labels.clone(),
                        },
                        ipam_options: Some(AttachedIpam {
                            configs: net.ipam.config.clone(),
                        }),
                    },
                    addresses: vec![addr],
                }),
                Err(_) => return false,
            }
        }
        task.networks_attachments = attachments;
        true
    });
}

/// Gives every node that needs one its own address on a network, and takes it back from
/// nodes that no longer do: a node needs one on each network a live task of it is on, and on
/// `ingress` while any service publishes an ingress port (the mesh answers on every node).
/// Addresses the pass's new tasks took are not given again.
pub fn attach_nodes(st: &State, plan: &mut Plan) {
    let mut needs: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for t in st
        .tasks
        .values()
        .filter(|t| !t.status.state.is_terminal() && !t.node_id.is_empty())
    {
        for a in &t.networks_attachments {
            needs
                .entry(a.network.id.as_str())
                .or_default()
                .insert(t.node_id.as_str());
        }
    }
    let mesh = st.services.values().any(|s| {
        s.endpoint
            .ports
            .iter()
            .any(|p| matches!(p.publish_mode.as_str(), "" | "ingress"))
    });
    if let Some(ingress) = st.networks.values().find(|n| n.ingress).filter(|_| mesh) {
        let ready = st
            .nodes
            .values()
            .filter(|n| n.status.state == shoal_api::NodeState::Ready)
            .map(|n| n.id.as_str());
        needs.entry(ingress.id.as_str()).or_default().extend(ready);
    }
    let mut in_use: Option<InUse> = None;
    for net in st.networks.values() {
        let wanted = needs.get(net.id.as_str());
        let mut next: std::collections::BTreeMap<String, String> = net
            .node_addresses
            .iter()
            .filter(|(node, _)| wanted.is_some_and(|w| w.contains(node.as_str())))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for node in wanted.into_iter().flatten() {
            if next.contains_key(*node) {
                continue;
            }
            let u = in_use.get_or_insert_with(|| {
                let mut u = InUse::of(st);
                for t in &plan.new_tasks {
                    for a in &t.networks_attachments {
                        for addr in &a.addresses {
                            u.take(&a.network.id, addr);
                        }
                    }
                }
                u
            });
            if let Ok(addr) = u.allocate_high(net) {
                next.insert(node.to_string(), addr);
            }
        }
        if next != net.node_addresses {
            plan.ops.push(shoal_store::Op::SetNodeAddresses {
                network_id: net.id.clone(),
                addresses: next,
            });
        }
    }
}
