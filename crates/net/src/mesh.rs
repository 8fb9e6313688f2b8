//! The routing mesh as data: which published ports a node answers on and where each sends
//! its connections, decided from the networking view alone, and the nftables table that
//! implements it.
//!
//! Each published port is one element of a verdict map keyed on protocol and port, looked
//! up for packets to any local address (`fib daddr type local`), arriving (prerouting) or
//! made on the node (output, so `curl 127.0.0.1:8080` works as in Swarm). The port's chain
//! picks a backend with `numgen random mod N` and jumps to that backend's chain, which
//! DNATs to the task's ingress address and target port.
//!
//! Connections are masqueraded only when the reply would otherwise miss the node: from
//! loopback (a task cannot answer 127.0.0.1) or from the ingress subnet itself (hairpin: the
//! backend would answer the client directly). Everything else keeps its source address, so
//! a task sees the real client (Swarm's moby#25526).

use shoal_api::{NetView, ViewNetwork, ViewTask};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// The packet mark asking for the node's own address as source (a remote backend).
pub const SNAT_MARK: u32 = 0x8000;

/// The node's own address on `net`, without prefix.
pub fn own_address<'a>(net: &'a ViewNetwork, node_id: &str) -> Option<&'a str> {
    net.node_addresses
        .iter()
        .find(|a| a.node_id == node_id)
        .and_then(|a| a.addr.split('/').next())
}

/// The tasks of `tasks` this node may send traffic to on `net`, and their addresses there:
/// its own, and (with [`Reach::All`], once it has an address of its own on the network to
/// get the replies back) the other nodes'.
fn reachable<'a>(
    tasks: &'a [ViewTask],
    net: &'a ViewNetwork,
    node_id: &'a str,
    reach: Reach,
) -> impl Iterator<Item = (&'a ViewTask, String)> + 'a {
    let remote_ok = reach == Reach::All && own_address(net, node_id).is_some();
    tasks
        .iter()
        .filter(move |t| t.node_id == node_id || remote_ok)
        .flat_map(move |t| {
            t.addresses
                .iter()
                .filter(move |a| a.network_id == net.id)
                .filter_map(move |a| a.addr.split('/').next().map(|ip| (t, ip.to_string())))
        })
}

/// The packet mark asking the postrouting chain to masquerade (kube-proxy's bit).
pub const MASQUERADE_MARK: u32 = 0x4000;

/// One published port and its backends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub service_id: String,
    pub service_name: String,
    /// `tcp`, `udp` or `sctp`.
    pub protocol: String,
    pub port: u32,
    /// `(address, target port)`, in a stable order.
    pub backends: Vec<(String, u32)>,
}

/// The node's mesh: every published port, the sources to masquerade, and the networks
/// whose traffic leaving the node is masqueraded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mesh {
    pub published: Vec<Published>,
    /// Loopback and the ingress subnet.
    pub masquerade_from: Vec<String>,
    /// `(subnet, bridge)` of every network on the node: what its tasks send beyond the
    /// subnet and off its bridge leaves with the node's address.
    pub egress: Vec<(String, String)>,
    /// Services' virtual IPs on the node's networks, each spread over its tasks there.
    pub vips: Vec<Vip>,
    /// Backends on other nodes: connections to them leave with the node's own address on
    /// their network, so the replies come back through this node.
    pub remote: BTreeSet<String>,
    /// `(subnet, bridge, the node's own address)` of each network it has an address on.
    pub snat: Vec<(String, String, String)>,
}

/// One service's virtual IP on one network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vip {
    pub service_id: String,
    pub network_id: String,
    pub addr: String,
    /// The network's bridge on the node, which answers for the address.
    pub bridge: String,
    /// Task addresses on that network (every port goes through, as Swarm's VIPs).
    pub backends: Vec<String>,
}

/// Which tasks a node may send traffic to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Only the node's own tasks (no overlay to the other nodes yet).
    Local,
    /// Every task (the overlay carries traffic to the other nodes).
    All,
}

/// The mesh of node `node_id` for `view`.
pub fn plan(view: &NetView, node_id: &str, reach: Reach) -> Mesh {
    let egress: Vec<(String, String)> = view
        .networks
        .iter()
        .filter(|n| !n.subnet.is_empty())
        .map(|n| (n.subnet.clone(), crate::bridge_name(&n.id)))
        .collect();
    let vips = view
        .services
        .iter()
        .filter(|s| s.endpoint_mode != "dnsrr")
        .flat_map(|s| {
            s.virtual_ips.iter().filter_map(move |v| {
                let net = view
                    .networks
                    .iter()
                    .find(|n| n.id == v.network_id && !n.ingress)?;
                let backends = reachable(&s.tasks, net, node_id, reach)
                    .map(|(_, ip)| ip)
                    .collect();
                Some(Vip {
                    service_id: s.id.clone(),
                    network_id: net.id.clone(),
                    addr: v.addr.split('/').next().unwrap_or_default().to_string(),
                    bridge: crate::bridge_name(&net.id),
                    backends,
                })
            })
        })
        .collect();
    let remote: BTreeSet<String> = view
        .services
        .iter()
        .flat_map(|s| s.tasks.iter())
        .filter(|t| t.node_id != node_id)
        .flat_map(|t| t.addresses.iter())
        .filter_map(|a| a.addr.split('/').next().map(str::to_string))
        .collect();
    let snat = view
        .networks
        .iter()
        .filter_map(|n| {
            let own = own_address(n, node_id)?;
            Some((n.subnet.clone(), crate::bridge_name(&n.id), own.to_string()))
        })
        .collect();
    let Some(ingress) = view.networks.iter().find(|n| n.ingress) else {
        return Mesh {
            egress,
            vips,
            remote,
            snat,
            ..Mesh::default()
        };
    };
    let mut published = Vec::new();
    for s in &view.services {
        for p in &s.ports {
            let Some(port) = p.published_port.filter(|n| *n > 0) else {
                continue;
            };
            let backends = reachable(&s.tasks, ingress, node_id, reach)
                .map(|(_, ip)| (ip, p.target_port))
                .collect();
            published.push(Published {
                service_id: s.id.clone(),
                service_name: s.name.clone(),
                protocol: if p.protocol.is_empty() {
                    "tcp".into()
                } else {
                    p.protocol.clone()
                },
                port,
                backends,
            });
        }
    }
    published.sort_by(|a, b| (&a.protocol, a.port).cmp(&(&b.protocol, b.port)));
    let mut masquerade_from = vec!["127.0.0.0/8".to_string()];
    if !ingress.subnet.is_empty() {
        masquerade_from.push(ingress.subnet.clone());
    }
    Mesh {
        published,
        masquerade_from,
        egress,
        vips,
        remote,
        snat,
    }
}

/// The statement a backend's chain starts with: remote backends get the SNAT mark.
fn snat_mark(mesh: &Mesh, addr: &str) -> String {
    if mesh.remote.contains(addr) {
        format!("meta mark set meta mark | {SNAT_MARK:#x} ")
    } else {
        String::new()
    }
}

/// The chain of a virtual IP.
fn vip_chain(v: &Vip) -> String {
    format!("vip-{}-{}", v.service_id, v.network_id)
}

/// The chain of a published port.
fn port_chain(p: &Published) -> String {
    format!("ingress-{}-{}-{}", p.service_id, p.protocol, p.port)
}

/// An nft script that replaces table `ip <table>` with `mesh`, atomically (the whole script
/// is one transaction: the table is made if missing, dropped, and made again).
pub fn render(table: &str, mesh: &Mesh) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "table ip {table}\ndelete table ip {table}\ntable ip {table} {{"
    );
    // Priorities as numbers: older nft knows `dstnat` only at prerouting.
    // Ports with no task to send to are left out: the node refuses the connection at once
    // instead of swallowing it.
    let live: Vec<&Published> = mesh
        .published
        .iter()
        .filter(|p| !p.backends.is_empty())
        .collect();
    s.push_str("\tmap ingress-ports {\n\t\ttype inet_proto . inet_service : verdict\n");
    if !live.is_empty() {
        let elements: Vec<String> = live
            .iter()
            .map(|p| format!("{} . {} : goto {}", p.protocol, p.port, port_chain(p)))
            .collect();
        let _ = writeln!(s, "\t\telements = {{ {} }}", elements.join(", "));
    }
    s.push_str("\t}\n");
    let vips: Vec<&Vip> = mesh
        .vips
        .iter()
        .filter(|v| !v.backends.is_empty())
        .collect();
    s.push_str("\tmap vips {\n\t\ttype ipv4_addr : verdict\n");
    if !vips.is_empty() {
        let elements: Vec<String> = vips
            .iter()
            .map(|v| format!("{} : goto {}", v.addr, vip_chain(v)))
            .collect();
        let _ = writeln!(s, "\t\telements = {{ {} }}", elements.join(", "));
    }
    s.push_str("\t}\n");
    for (name, hook) in [("prerouting", "prerouting"), ("output", "output")] {
        let _ = writeln!(
            s,
            "\tchain {name} {{\n\t\ttype nat hook {hook} priority -100; policy accept;\n\
             \t\tip daddr vmap @vips\n\
             \t\tfib daddr type local meta l4proto . th dport vmap @ingress-ports\n\t}}"
        );
    }
    // A VIP's clients are on the backends' own segment: without the masquerade a backend
    // would answer them directly, bypassing the translation.
    for v in &vips {
        let chain = vip_chain(v);
        let picks: Vec<String> = (0..v.backends.len())
            .map(|i| format!("{i} : goto {chain}-{i}"))
            .collect();
        let _ = writeln!(
            s,
            "\tchain {chain} {{\n\t\tmeta mark set meta mark | {MASQUERADE_MARK:#x}\n\
             \t\tnumgen random mod {} vmap {{ {} }}\n\t}}",
            v.backends.len(),
            picks.join(", ")
        );
        for (i, addr) in v.backends.iter().enumerate() {
            let _ = writeln!(
                s,
                "\tchain {chain}-{i} {{\n\t\t{}dnat to {addr}\n\t}}",
                snat_mark(mesh, addr)
            );
        }
    }
    let _ = writeln!(
        s,
        "\tchain postrouting {{\n\t\ttype nat hook postrouting priority 100; policy accept;"
    );
    for (subnet, bridge, own) in &mesh.snat {
        let _ = writeln!(
            s,
            "\t\tmeta mark & {SNAT_MARK:#x} == {SNAT_MARK:#x} oifname \"{bridge}\" ip daddr {subnet} snat to {own}"
        );
    }
    let _ = writeln!(
        s,
        "\t\tmeta mark & {MASQUERADE_MARK:#x} == {MASQUERADE_MARK:#x} masquerade"
    );
    for (subnet, bridge) in &mesh.egress {
        let _ = writeln!(
            s,
            "\t\tip saddr {subnet} ip daddr != {subnet} oifname != \"{bridge}\" masquerade"
        );
    }
    s.push_str("\t}\n");
    for p in live {
        let chain = port_chain(p);
        let _ = writeln!(s, "\tchain {chain} {{");
        if !mesh.masquerade_from.is_empty() {
            let _ = writeln!(
                s,
                "\t\tip saddr {{ {} }} meta mark set meta mark | {MASQUERADE_MARK:#x}",
                mesh.masquerade_from.join(", ")
            );
        }
        let picks: Vec<String> = (0..p.backends.len())
            .map(|i| format!("{i} : goto {chain}-{i}"))
            .collect();
        let _ = writeln!(
            s,
            "\t\tnumgen random mod {} vmap {{ {} }}\n\t}}",
            p.backends.len(),
            picks.join(", ")
        );
        for (i, (addr, target)) in p.backends.iter().enumerate() {
            let _ = writeln!(
                s,
                "\tchain {chain}-{i} {{\n\t\t{}meta l4proto {} dnat to {addr}:{target}\n\t}}",
                snat_mark(mesh, addr),
                p.protocol
            );
        }
    }
    s.push_str("}\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use shoal_api::{EndpointVirtualIp, PortConfig, ViewNetwork, ViewService, ViewTask};

    fn view() -> NetView {
        let task = |id: &str, node: &str, addr: &str| ViewTask {
            id: id.into(),
            name: format!("web.{id}"),
            node_id: node.into(),
            addresses: vec![EndpointVirtualIp {
                network_id: "ing".into(),
                addr: addr.into(),
            }],
            ..Default::default()
        };
        NetView {
            data_path_port: 4789,
            networks: vec![ViewNetwork {
                id: "ing".into(),
                name: "ingress".into(),
                subnet: "10.0.0.0/24".into(),
                gateway: "10.0.0.1".into(),
                ingress: true,
                node_addresses: vec![shoal_api::ViewNodeAddress {
                    node_id: "n1".into(),
                    addr: "10.0.0.250/24".into(),
                    node_addr: "192.0.2.1".into(),
                }],
                ..Default::default()
            }],
            services: vec![ViewService {
                id: "svc".into(),
                name: "web".into(),
                endpoint_mode: "vip".into(),
                ports: vec![PortConfig {
                    protocol: "tcp".into(),
                    target_port: 80,
                    published_port: Some(8080),
                    publish_mode: "ingress".into(),
                    ..Default::default()
                }],
                tasks: vec![
                    task("t1", "n1", "10.0.0.3/24"),
                    task("t2", "n2", "10.0.0.4/24"),
                ],
                ..Default::default()
            }],
        }
    }

    #[test]
    fn a_published_port_balances_over_the_reachable_tasks() {
        let all = plan(&view(), "n1", Reach::All);
        assert_eq!(
            all.published[0].backends,
            vec![("10.0.0.3".to_string(), 80), ("10.0.0.4".to_string(), 80)]
        );
        let local = plan(&view(), "n1", Reach::Local);
        assert_eq!(local.published[0].backends, vec![("10.0.0.3".into(), 80)]);
        // Without an address of its own on ingress, a node cannot get replies back from
        // other nodes' tasks: it sends only to its own.
        let mut alone = view();
        alone.networks[0].node_addresses.clear();
        assert_eq!(
            plan(&alone, "n1", Reach::All).published[0].backends,
            vec![("10.0.0.3".into(), 80)]
        );
        assert_eq!(local.masquerade_from, vec!["127.0.0.0/8", "10.0.0.0/24"]);
    }

    #[test]
    fn the_table_dispatches_on_port_and_picks_a_backend() {
        let text = render("shoal_n1", &plan(&view(), "n1", Reach::All));
        // The task on n2 is reached from n1's own address on ingress.
        assert!(
            text.contains("meta mark set meta mark | 0x8000 meta l4proto tcp dnat to 10.0.0.4:80"),
            "{text}"
        );
        assert!(
            text.contains(
                r#"meta mark & 0x8000 == 0x8000 oifname "shl-ing" ip daddr 10.0.0.0/24 snat to 10.0.0.250"#
            ),
            "{text}"
        );
        assert!(
            text.contains("meta l4proto tcp dnat to 10.0.0.3:80"),
            "{text}"
        );
        assert!(
            text.starts_with("table ip shoal_n1\ndelete table ip shoal_n1\n"),
            "{text}"
        );
        assert!(
            text.contains("elements = { tcp . 8080 : goto ingress-svc-tcp-8080 }"),
            "{text}"
        );
        assert!(text.contains("numgen random mod 2 vmap { 0 : goto ingress-svc-tcp-8080-0, 1 : goto ingress-svc-tcp-8080-1 }"), "{text}");
        assert!(
            text.contains("meta l4proto tcp dnat to 10.0.0.4:80"),
            "{text}"
        );
        assert!(
            text.contains("ip saddr { 127.0.0.0/8, 10.0.0.0/24 } meta mark set"),
            "{text}"
        );
    }

    #[test]
    fn a_virtual_ip_spreads_over_the_tasks_on_its_network() {
        let mut v = view();
        v.networks.push(ViewNetwork {
            id: "app".into(),
            name: "appnet".into(),
            subnet: "10.0.1.0/24".into(),
            gateway: "10.0.1.1".into(),
            node_addresses: vec![shoal_api::ViewNodeAddress {
                node_id: "n1".into(),
                addr: "10.0.1.250/24".into(),
                node_addr: "192.0.2.1".into(),
            }],
            ..Default::default()
        });
        v.services[0].virtual_ips = vec![EndpointVirtualIp {
            network_id: "app".into(),
            addr: "10.0.1.2/24".into(),
        }];
        for (t, addr) in v.services[0]
            .tasks
            .iter_mut()
            .zip(["10.0.1.3/24", "10.0.1.4/24"])
        {
            t.addresses.push(EndpointVirtualIp {
                network_id: "app".into(),
                addr: addr.into(),
            });
        }
        let mesh = plan(&v, "n1", Reach::All);
        assert_eq!(mesh.vips.len(), 1);
        assert_eq!(mesh.vips[0].backends, vec!["10.0.1.3", "10.0.1.4"]);
        assert_eq!(mesh.vips[0].bridge, "shl-app");
        let text = render("t", &mesh);
        assert!(
            text.contains("elements = { 10.0.1.2 : goto vip-svc-app }"),
            "{text}"
        );
        assert!(text.contains("ip daddr vmap @vips"), "{text}");
        assert!(text.contains("dnat to 10.0.1.4\n"), "{text}");
        v.services[0].endpoint_mode = "dnsrr".into();
        assert!(plan(&v, "n1", Reach::All).vips.is_empty());
    }

    #[test]
    fn a_port_without_tasks_is_left_out_and_no_ingress_means_no_rules() {
        let mut v = view();
        v.services[0].tasks.clear();
        let text = render("t", &plan(&v, "n1", Reach::All));
        assert!(!text.contains("elements"), "{text}");
        assert!(!text.contains("dnat"), "{text}");
        assert!(
            text.contains(
                r#"ip saddr 10.0.0.0/24 ip daddr != 10.0.0.0/24 oifname != "shl-ing" masquerade"#
            ),
            "{text}"
        );
        v.networks.clear();
        assert_eq!(plan(&v, "n1", Reach::All), Mesh::default());
    }
}
