//! The networking view a node gets from the dispatcher ([`NetView`]), decided from the
//! state alone.

use shoal_api::ipv4::Cidr;
use shoal_api::network::Network;
use shoal_api::{
    EndpointVirtualIp, NetView, Service, Task, TaskState, ViewNetwork, ViewNodeAddress,
    ViewService, ViewTask,
};
use shoal_store::State;
use std::collections::BTreeSet;

/// Whether `t` may take traffic: running and meant to keep running. A task the orchestrator
/// is stopping (update, scale-down, drain) has a desired state past running and leaves the
/// backends before its node stops it.
fn takes_traffic(t: &Task) -> bool {
    t.status.state == TaskState::Running && t.desired_state == TaskState::Running
}

/// Whether `s` publishes a port through the routing mesh.
fn publishes_ingress(s: &Service) -> bool {
    s.endpoint
        .ports
        .iter()
        .any(|p| matches!(p.publish_mode.as_str(), "" | "ingress"))
}

fn view_network(st: &State, n: &Network) -> ViewNetwork {
    let cfg = n.ipam.config.first();
    ViewNetwork {
        id: n.id.clone(),
        name: n.name.clone(),
        subnet: cfg.map(|c| c.subnet.clone()).unwrap_or_default(),
        gateway: cfg.map(|c| c.gateway.clone()).unwrap_or_default(),
        ingress: n.ingress,
        attachable: n.attachable,
        options: n.options.clone(),
        node_addresses: n
            .node_addresses
            .iter()
            .map(|(node, addr)| ViewNodeAddress {
                node_id: node.clone(),
                addr: addr.clone(),
                node_addr: st
                    .nodes
                    .get(node)
                    .map(|x| x.status.addr.clone())
                    .unwrap_or_default(),
            })
            .collect(),
    }
}

/// `node_id`'s view: the networks its live tasks are on (plus `ingress` while any service
/// publishes an ingress port), and the services on those networks or publishing ingress
/// ports, each with the tasks that take traffic. Sorted, so equal states give equal views.
pub fn net_view(st: &State, node_id: &str) -> NetView {
    let mut network_ids: BTreeSet<&str> = st
        .tasks
        .values()
        .filter(|t| t.node_id == node_id && !t.status.state.is_terminal())
        .flat_map(|t| t.networks_attachments.iter().map(|a| a.network.id.as_str()))
        .collect();
    let mesh = st.services.values().any(publishes_ingress);
    if mesh {
        network_ids.extend(
            st.networks
                .values()
                .filter(|n| n.ingress)
                .map(|n| n.id.as_str()),
        );
    }
    let networks: Vec<ViewNetwork> = network_ids
        .iter()
        .filter_map(|id| st.networks.get(*id))
        .filter(|n| {
            n.ipam
                .config
                .first()
                .is_some_and(|c| Cidr::parse(&c.subnet).is_ok())
        })
        .map(|n| view_network(st, n))
        .collect();
    let on_our_networks = |s: &Service| {
        s.endpoint
            .virtual_ips
            .iter()
            .any(|v| network_ids.contains(v.network_id.as_str()))
            || s.spec
                .task_template
                .networks
                .iter()
                .flatten()
                .any(|n| network_ids.contains(n.target.as_str()))
    };
    let mut services: Vec<ViewService> = st
        .services
        .values()
        .filter(|s| publishes_ingress(s) || on_our_networks(s))
        .map(|s| view_service(st, s))
        .collect();
    services.sort_by(|a, b| a.id.cmp(&b.id));
    let data_path_port = st
        .cluster
        .as_ref()
        .map(|c| c.data_path_port)
        .filter(|p| *p > 0)
        .unwrap_or(4789);
    NetView {
        networks,
        services,
        data_path_port,
    }
}

fn view_service(st: &State, s: &Service) -> ViewService {
    let mut tasks: Vec<ViewTask> = st
        .tasks
        .values()
        .filter(|t| t.service_id == s.id && takes_traffic(t))
        .map(|t| ViewTask {
            id: t.id.clone(),
            name: t.name.clone(),
            node_id: t.node_id.clone(),
            node_addr: st
                .nodes
                .get(&t.node_id)
                .map(|n| n.status.addr.clone())
                .unwrap_or_default(),
            addresses: t
                .networks_attachments
                .iter()
                .flat_map(|a| {
                    a.addresses.iter().map(|addr| EndpointVirtualIp {
                        network_id: a.network.id.clone(),
                        addr: addr.clone(),
                    })
                })
                .collect(),
        })
        .collect();
    tasks.sort_by(|a, b| a.id.cmp(&b.id));
    let mode = s
        .spec
        .endpoint_spec
        .as_ref()
        .map(|e| e.mode.clone())
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| "vip".into());
    ViewService {
        id: s.id.clone(),
        name: s.spec.name.clone(),
        endpoint_mode: mode,
        virtual_ips: s.endpoint.virtual_ips.clone(),
        ports: s
            .endpoint
            .ports
            .iter()
            .filter(|p| matches!(p.publish_mode.as_str(), "" | "ingress"))
            .filter(|p| p.published_port.is_some_and(|n| n > 0))
            .cloned()
            .collect(),
        tasks,
    }
}
