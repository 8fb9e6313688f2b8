//! The overlay between nodes, in flannel's manner: on each node, each network's bridge gets
//! a VXLAN device (VNI per network, the swarm's data-path port), and for every task of the
//! network on another node one forwarding entry (its MAC to its node's address) and one
//! neighbour entry (its address to its MAC) on that device, both from the networking view.
//! No learning, no flooding, no gossip: the device answers ARP from its neighbour table
//! (`proxy`), so a frame leaves the node only towards the node that has the task.
//!
//! A task's MAC is derived from its address (`02:42` and the four bytes, as the Docker
//! Engine does for containers, and as the process sandboxes set theirs), so the view needs
//! no MACs. The VNI is derived from the network's ID (every node computes the same one).

use crate::links;
use crate::NetError;
use rtnetlink::packet_route::neighbour::NeighbourFlags;
use rtnetlink::{Handle, LinkUnspec, LinkVxlan};
use shoal_api::NetView;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr};
use tokio::sync::Mutex;

/// The overlay's encapsulation overhead: a network's MTU is the underlay's minus this.
pub const VXLAN_OVERHEAD: u32 = 50;

/// The MAC of the task with address `ip`.
pub fn mac_of(ip: Ipv4Addr) -> [u8; 6] {
    let o = ip.octets();
    [0x02, 0x42, o[0], o[1], o[2], o[3]]
}

/// The VNI of a network: from its ID, above the 4096 Swarm keeps below its own.
pub fn vni(network_id: &str) -> u32 {
    // FNV-1a: stable across builds and machines, unlike std's hasher.
    let mut h: u32 = 0x811c_9dc5;
    for b in network_id.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    4097 + h % (0x00ff_ffff - 4097)
}

/// The VXLAN device of a network on a node.
pub fn vxlan_name(network_id: &str) -> String {
    format!("shv-{}", network_id.get(..11).unwrap_or(network_id))
}

/// One remote task address on a network and the node that has it.
pub type Peer = (Ipv4Addr, Ipv4Addr);

/// For each network of the view: the addresses of its tasks on other nodes, with their
/// nodes' addresses.
pub fn peers(view: &NetView, node_id: &str) -> BTreeMap<String, BTreeSet<Peer>> {
    let mut out: BTreeMap<String, BTreeSet<Peer>> = view
        .networks
        .iter()
        .map(|n| (n.id.clone(), BTreeSet::new()))
        .collect();
    // Other nodes' own addresses: replies to connections they sent through the mesh.
    for n in &view.networks {
        for a in n.node_addresses.iter().filter(|a| a.node_id != node_id) {
            let ip = a.addr.split('/').next().and_then(|ip| ip.parse().ok());
            let node = a.node_addr.parse().ok();
            if let (Some(ip), Some(node), Some(set)) = (ip, node, out.get_mut(&n.id)) {
                set.insert((ip, node));
            }
        }
    }
    for t in view.services.iter().flat_map(|s| s.tasks.iter()) {
        if t.node_id == node_id {
            continue;
        }
        let Ok(node) = t.node_addr.parse::<Ipv4Addr>() else {
            continue;
        };
        for a in &t.addresses {
            let ip = a.addr.split('/').next().and_then(|ip| ip.parse().ok());
            if let (Some(ip), Some(set)) = (ip, out.get_mut(&a.network_id)) {
                set.insert((ip, node));
            }
        }
    }
    out
}

/// What the node has programmed, per network.
#[derive(Default)]
pub struct Overlay {
    programmed: Mutex<HashMap<String, BTreeSet<Peer>>>,
}

impl Overlay {
    /// Brings the VXLAN devices and their entries in line with `view`: a device on every
    /// network bridge of the node, entries for the remote tasks, devices of networks gone
    /// removed.
    pub async fn apply(&self, view: &NetView, node_id: &str) -> Result<(), NetError> {
        let handle = links::connect()?;
        let wanted = peers(view, node_id);
        let mut programmed = self.programmed.lock().await;
        let port = u16::try_from(view.data_path_port).unwrap_or(4789);
        for (net, peers) in &wanted {
            let Some(bridge) = links::index_of(&crate::bridge_name(net)) else {
                continue;
            };
            let dev = vxlan_name(net);
            let fresh = links::index_of(&dev).is_none() || !programmed.contains_key(net);
            if fresh {
                // Made again from nothing (first view, or a device someone removed): its
                // entries are then exactly the wanted ones.
                let _ = links::delete(&handle, &dev).await;
                make_vxlan(&handle, &dev, vni(net), port, bridge).await?;
                programmed.insert(net.clone(), BTreeSet::new());
            }
            let index =
                links::index_of(&dev).ok_or_else(|| NetError::Host(format!("{dev} vanished")))?;
            let have = programmed.get_mut(net).expect("inserted above");
            for gone in have.difference(peers).cloned().collect::<Vec<_>>() {
                forget(&handle, index, gone).await;
                have.remove(&gone);
            }
            for new in peers.difference(&have.clone()) {
                learn(&handle, index, *new).await?;
                have.insert(*new);
            }
        }
        let stale: Vec<String> = programmed
            .keys()
            .filter(|net| {
                !wanted.contains_key(*net) || links::index_of(&crate::bridge_name(net)).is_none()
            })
            .cloned()
            .collect();
        for net in stale {
            let _ = links::delete(&handle, &vxlan_name(&net)).await;
            programmed.remove(&net);
        }
        Ok(())
    }

    /// Removes every VXLAN device this node made.
    pub async fn clear(&self) {
        let mut programmed = self.programmed.lock().await;
        if let Ok(handle) = links::connect() {
            for net in programmed.keys() {
                let _ = links::delete(&handle, &vxlan_name(net)).await;
            }
        }
        programmed.clear();
    }
}

async fn make_vxlan(
    handle: &Handle,
    dev: &str,
    vni: u32,
    port: u16,
    bridge: u32,
) -> Result<(), NetError> {
    let msg = LinkVxlan::new(dev, vni)
        .port(port)
        .learning(false)
        .proxy(true)
        .build();
    handle
        .link()
        .add(msg)
        .execute()
        .await
        .map_err(|e| NetError::Host(format!("creating VXLAN device {dev}: {e}")))?;
    let index = links::index_of(dev).ok_or_else(|| NetError::Host(format!("{dev} vanished")))?;
    handle
        .link()
        .change(
            LinkUnspec::new_with_index(index)
                .alias(links::OURS)
                .controller(bridge)
                .up()
                .build(),
        )
        .execute()
        .await
        .map_err(|e| NetError::Host(format!("attaching {dev}: {e}")))
}

/// The forwarding entry (task MAC to its node) and the neighbour entry (task address to MAC).
async fn learn(handle: &Handle, index: u32, (ip, node): Peer) -> Result<(), NetError> {
    let mac = mac_of(ip);
    handle
        .neighbours()
        .add_bridge(index, &mac)
        .destination(IpAddr::V4(node))
        .flags(NeighbourFlags::Own)
        .replace()
        .execute()
        .await
        .map_err(|e| NetError::Host(format!("forwarding entry for {ip} via {node}: {e}")))?;
    handle
        .neighbours()
        .add(index, IpAddr::V4(ip))
        .link_layer_address(&mac)
        .replace()
        .execute()
        .await
        .map_err(|e| NetError::Host(format!("neighbour entry for {ip}: {e}")))
}

async fn forget(handle: &Handle, index: u32, (ip, node): Peer) {
    let mac = mac_of(ip);
    let mut fdb = handle
        .neighbours()
        .add_bridge(index, &mac)
        .destination(IpAddr::V4(node))
        .flags(NeighbourFlags::Own);
    let _ = handle
        .neighbours()
        .del(fdb.message_mut().clone())
        .execute()
        .await;
    let mut neigh = handle.neighbours().add(index, IpAddr::V4(ip));
    let _ = handle
        .neighbours()
        .del(neigh.message_mut().clone())
        .execute()
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use shoal_api::{EndpointVirtualIp, ViewNetwork, ViewService, ViewTask};

    #[test]
    fn macs_and_vnis_are_the_same_on_every_node() {
        assert_eq!(mac_of("10.0.1.5".parse().unwrap()), [2, 0x42, 10, 0, 1, 5]);
        assert_eq!(vni("abc"), vni("abc"));
        assert_ne!(vni("abc"), vni("abd"));
        assert!(vni("x") > 4096 && vni("x") < 0x00ff_ffff);
    }

    #[test]
    fn peers_are_the_remote_tasks_on_each_network() {
        let task = |id: &str, node: &str, addr: &str| ViewTask {
            id: id.into(),
            node_id: node.into(),
            node_addr: format!("192.0.2.{}", &node[1..]),
            addresses: vec![EndpointVirtualIp {
                network_id: "app".into(),
                addr: addr.into(),
            }],
            ..Default::default()
        };
        let view = NetView {
            networks: vec![ViewNetwork {
                id: "app".into(),
                ..Default::default()
            }],
            services: vec![ViewService {
                tasks: vec![
                    task("a", "n1", "10.0.1.3/24"),
                    task("b", "n2", "10.0.1.4/24"),
                ],
                ..Default::default()
            }],
            data_path_port: 4789,
        };
        let p = peers(&view, "n1");
        assert_eq!(
            p["app"],
            BTreeSet::from([("10.0.1.4".parse().unwrap(), "192.0.2.2".parse().unwrap())])
        );
    }
}
