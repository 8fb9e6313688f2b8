//! What a node's data plane needs from the cluster state: the networks it takes part in and,
//! for every service it may reach or expose, the service's virtual IPs, published ports and
//! the addresses of its tasks that may take traffic. The dispatcher sends a node a new view
//! whenever its view changes; the node programs its kernel (bridges, nftables, DNS) from it.

use crate::meta::Labels;
use crate::service::{EndpointVirtualIp, PortConfig};
use serde::{Deserialize, Serialize};

/// A node's view of the cluster's networking; every view replaces the previous one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NetView {
    /// The networks the node takes part in: those its tasks are on, and `ingress` while any
    /// service publishes a port in ingress mode (the routing mesh answers on every node).
    pub networks: Vec<ViewNetwork>,
    /// Services on those networks, and every service that publishes an ingress port.
    pub services: Vec<ViewService>,
    /// The UDP port of the overlay's VXLAN traffic (`--data-path-port`, 4789 by default).
    pub data_path_port: u32,
}

/// One network, as far as a node needs it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ViewNetwork {
    #[serde(rename = "ID")]
    pub id: String,
    pub name: String,
    pub subnet: String,
    pub gateway: String,
    pub ingress: bool,
    pub attachable: bool,
    /// Driver options (`--opt`).
    pub options: Labels,
    /// Each node's own address on the network, for traffic it sends to other nodes' tasks.
    pub node_addresses: Vec<ViewNodeAddress>,
}

/// A node's own address on a network, and where the node is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ViewNodeAddress {
    #[serde(rename = "NodeID")]
    pub node_id: String,
    /// `10.0.1.250/24`.
    pub addr: String,
    /// The node's own (underlay) address.
    pub node_addr: String,
}

/// One service: how it is reached and the tasks that answer for it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ViewService {
    #[serde(rename = "ID")]
    pub id: String,
    pub name: String,
    /// `vip` or `dnsrr`.
    pub endpoint_mode: String,
    /// One per network (endpoint mode `vip`).
    #[serde(rename = "VirtualIPs")]
    pub virtual_ips: Vec<EndpointVirtualIp>,
    /// Ports published in ingress mode, each with its number.
    pub ports: Vec<PortConfig>,
    /// Tasks that may take traffic: running, and meant to keep running (a task being
    /// stopped has left already).
    pub tasks: Vec<ViewTask>,
}

/// One task that takes traffic for its service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ViewTask {
    #[serde(rename = "ID")]
    pub id: String,
    pub name: String,
    #[serde(rename = "NodeID")]
    pub node_id: String,
    /// The address of its node, where the overlay sends its traffic.
    pub node_addr: String,
    /// Its addresses (`10.0.1.5/24`), one per network.
    pub addresses: Vec<EndpointVirtualIp>,
}

impl ViewService {
    /// The task addresses on `network_id`, without prefix length.
    pub fn backends_on<'a>(&'a self, network_id: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.tasks.iter().flat_map(move |t| {
            t.addresses
                .iter()
                .filter(move |a| a.network_id == network_id)
                .map(|a| a.addr.split('/').next().unwrap_or_default())
        })
    }
}
