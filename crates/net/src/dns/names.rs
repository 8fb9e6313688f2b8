//! The swarm's names, decided from the networking view alone (no I/O).
//!
//! [`Table::from_view`] indexes, per network, every name a task on that network may ask for;
//! [`answer`] resolves one question for one asker. See the [module doc](super) for the
//! rules.

use shoal_api::ipv4::Cidr;
use shoal_api::{NetView, ViewService};
use std::collections::HashMap;
use std::net::Ipv4Addr;

/// What the resolver should do with a question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A swarm name visible to the asker, with its addresses; empty when the name is the
    /// swarm's but has no address now (`tasks.<service>` with no running task): NXDOMAIN.
    Records(Vec<Ipv4Addr>),
    /// Not a swarm name the asker may see: ask the upstream resolvers.
    Forward,
}

/// The names of every network of a view, ready for lookups.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Sorted by network ID: when an asker is on several networks that know a name, the
    /// first one answers.
    networks: Vec<NetworkNames>,
    /// A task's address on any network → the IDs of every network the task is on: a task
    /// asks from one address but sees the services of all its networks.
    task_networks: HashMap<Ipv4Addr, Vec<String>>,
}

#[derive(Debug, Clone)]
struct NetworkNames {
    id: String,
    subnet: Cidr,
    /// Lowercase names without the trailing dot.
    names: HashMap<String, Vec<Ipv4Addr>>,
}

/// The address part of `10.0.1.5/24`.
fn addr_of(cidr: &str) -> Option<Ipv4Addr> {
    cidr.split('/').next()?.parse().ok()
}

/// The name a stack service is also known by: the part after the first `_`.
fn short_name(service: &str) -> Option<&str> {
    service
        .split_once('_')
        .map(|(_, s)| s)
        .filter(|s| !s.is_empty())
}

impl Table {
    /// Indexes the names of every network of `view` but `ingress` (which, as in Swarm, has
    /// no service discovery) and those whose subnet is not IPv4.
    pub fn from_view(view: &NetView) -> Self {
        let mut services: Vec<&ViewService> = view.services.iter().collect();
        services.sort_by(|a, b| a.name.cmp(&b.name));
        let mut networks: Vec<NetworkNames> = view
            .networks
            .iter()
            .filter(|n| !n.ingress)
            .filter_map(|n| {
                Some(NetworkNames {
                    id: n.id.clone(),
                    subnet: Cidr::parse(&n.subnet).ok()?,
                    names: names_on(&services, &n.id),
                })
            })
            .collect();
        networks.sort_by(|a, b| a.id.cmp(&b.id));
        let mut task_networks = HashMap::new();
        for task in view.services.iter().flat_map(|s| &s.tasks) {
            let ids: Vec<String> = task
                .addresses
                .iter()
                .map(|a| a.network_id.clone())
                .collect();
            for ip in task.addresses.iter().filter_map(|a| addr_of(&a.addr)) {
                task_networks.insert(ip, ids.clone());
            }
        }
        Self {
            networks,
            task_networks,
        }
    }

    /// Number of networks indexed.
    pub fn len(&self) -> usize {
        self.networks.len()
    }

    /// Whether no network is indexed.
    pub fn is_empty(&self) -> bool {
        self.networks.is_empty()
    }
}

/// Every name on network `net`: services' names first, then `tasks.<service>`, then task
/// names, then stack short names (and their `tasks.` form); an earlier name is never
/// overwritten by a later one.
fn names_on(services: &[&ViewService], net: &str) -> HashMap<String, Vec<Ipv4Addr>> {
    struct On<'a> {
        name: String,
        short: Option<String>,
        tasks: Vec<Ipv4Addr>,
        answer: Vec<Ipv4Addr>,
        svc: &'a ViewService,
    }
    let on: Vec<On<'_>> = services
        .iter()
        .filter_map(|svc| {
            let tasks: Vec<Ipv4Addr> = svc.backends_on(net).filter_map(addr_of).collect();
            let vip = svc
                .virtual_ips
                .iter()
                .filter(|v| v.network_id == net)
                .find_map(|v| addr_of(&v.addr));
            if vip.is_none() && tasks.is_empty() {
                return None; // not on this network
            }
            // A `vip` service without a VIP here (never allocated so) answers like dnsrr.
            let answer = match vip {
                Some(vip) if svc.endpoint_mode != "dnsrr" => vec![vip],
                _ => tasks.clone(),
            };
            let name = svc.name.to_ascii_lowercase();
            let short = short_name(&name).map(str::to_owned);
            Some(On {
                name,
                short,
                tasks,
                answer,
                svc,
            })
        })
        .collect();

    let mut names = HashMap::new();
    for s in &on {
        names
            .entry(s.name.clone())
            .or_insert_with(|| s.answer.clone());
    }
    for s in &on {
        names
            .entry(format!("tasks.{}", s.name))
            .or_insert_with(|| s.tasks.clone());
    }
    for s in &on {
        for t in &s.svc.tasks {
            if let Some(ip) = t
                .addresses
                .iter()
                .filter(|a| a.network_id == net)
                .find_map(|a| addr_of(&a.addr))
            {
                names
                    .entry(t.name.to_ascii_lowercase())
                    .or_insert_with(|| vec![ip]);
            }
        }
    }
    for s in &on {
        if let Some(short) = &s.short {
            names
                .entry(short.clone())
                .or_insert_with(|| s.answer.clone());
            names
                .entry(format!("tasks.{short}"))
                .or_insert_with(|| s.tasks.clone());
        }
    }
    names
}

/// Resolves `qname` (any case, trailing dot or not) for a task at `asker`: the swarm's
/// records if a network the asker is on knows the name, else [`Answer::Forward`]. The
/// asker is on the networks whose subnet holds its address and, when the address is a
/// task's, on every network of that task.
pub fn answer(table: &Table, asker: Ipv4Addr, qname: &str) -> Answer {
    let name = qname
        .strip_suffix('.')
        .unwrap_or(qname)
        .to_ascii_lowercase();
    let same_task = table.task_networks.get(&asker);
    table
        .networks
        .iter()
        .filter(|n| {
            n.subnet.contains(u32::from(asker)) || same_task.is_some_and(|ids| ids.contains(&n.id))
        })
        .find_map(|n| n.names.get(&name))
        .map_or(Answer::Forward, |ips| Answer::Records(ips.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use shoal_api::{EndpointVirtualIp, ViewNetwork, ViewTask};

    fn net(id: &str, subnet: &str) -> ViewNetwork {
        ViewNetwork {
            id: id.into(),
            name: format!("{id}-name"),
            subnet: subnet.into(),
            ..Default::default()
        }
    }

    fn at(net: &str, addr: &str) -> EndpointVirtualIp {
        EndpointVirtualIp {
            network_id: net.into(),
            addr: addr.into(),
        }
    }

    fn task(name: &str, addrs: &[(&str, &str)]) -> ViewTask {
        ViewTask {
            id: name.rsplit('.').next().unwrap_or_default().into(),
            name: name.into(),
            node_id: "n1".into(),
            addresses: addrs.iter().map(|(n, a)| at(n, a)).collect(),
            ..Default::default()
        }
    }

    fn service(name: &str, mode: &str, vips: &[(&str, &str)], tasks: Vec<ViewTask>) -> ViewService {
        ViewService {
            id: format!("{name}-id"),
            name: name.into(),
            endpoint_mode: mode.into(),
            virtual_ips: vips.iter().map(|(n, a)| at(n, a)).collect(),
            tasks,
            ..Default::default()
        }
    }

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    fn records(ips: &[&str]) -> Answer {
        Answer::Records(ips.iter().map(|s| ip(s)).collect())
    }

    /// Networks `a` (10.0.1.0/24) and `b` (10.0.2.0/24); `web` (vip) and `s_db` (dnsrr)
    /// on `a`, `api` (vip) on `b`, `both` on `a` and `b`.
    fn view() -> NetView {
        NetView {
            data_path_port: 4789,
            networks: vec![net("b", "10.0.2.0/24"), net("a", "10.0.1.0/24")],
            services: vec![
                service(
                    "web",
                    "vip",
                    &[("a", "10.0.1.2/24")],
                    vec![
                        task("web.1.t1", &[("a", "10.0.1.5/24")]),
                        task("web.2.t2", &[("a", "10.0.1.6/24")]),
                    ],
                ),
                service(
                    "s_db",
                    "dnsrr",
                    &[],
                    vec![
                        task("s_db.1.t3", &[("a", "10.0.1.7/24")]),
                        task("s_db.2.t4", &[("a", "10.0.1.8/24")]),
                    ],
                ),
                service(
                    "api",
                    "vip",
                    &[("b", "10.0.2.2/24")],
                    vec![task("api.1.t5", &[("b", "10.0.2.5/24")])],
                ),
                service(
                    "both",
                    "vip",
                    &[("b", "10.0.2.3/24"), ("a", "10.0.1.3/24")],
                    vec![],
                ),
            ],
        }
    }

    #[test]
    fn service_names_answer_the_vip_or_the_tasks() {
        let t = Table::from_view(&view());
        let me = ip("10.0.1.9");
        assert_eq!(answer(&t, me, "web"), records(&["10.0.1.2"]));
        assert_eq!(answer(&t, me, "WEB."), records(&["10.0.1.2"]));
        assert_eq!(answer(&t, me, "s_db"), records(&["10.0.1.7", "10.0.1.8"]));
        assert_eq!(answer(&t, me, "db"), records(&["10.0.1.7", "10.0.1.8"]));
    }

    #[test]
    fn tasks_and_task_names() {
        let t = Table::from_view(&view());
        let me = ip("10.0.1.9");
        assert_eq!(
            answer(&t, me, "tasks.web"),
            records(&["10.0.1.5", "10.0.1.6"])
        );
        assert_eq!(
            answer(&t, me, "tasks.db."),
            records(&["10.0.1.7", "10.0.1.8"])
        );
        assert_eq!(answer(&t, me, "web.2.t2"), records(&["10.0.1.6"]));
        assert_eq!(answer(&t, me, "tasks.both"), records(&[]));
    }

    #[test]
    fn only_the_askers_networks_are_visible() {
        let t = Table::from_view(&view());
        assert_eq!(answer(&t, ip("10.0.1.9"), "api"), Answer::Forward);
        assert_eq!(answer(&t, ip("10.0.2.9"), "api"), records(&["10.0.2.2"]));
        assert_eq!(answer(&t, ip("10.0.2.9"), "web"), Answer::Forward);
        assert_eq!(answer(&t, ip("192.168.1.1"), "web"), Answer::Forward);
        assert_eq!(answer(&t, ip("10.0.1.9"), "example.com"), Answer::Forward);
        // The VIP on the asker's own network.
        assert_eq!(answer(&t, ip("10.0.1.9"), "both"), records(&["10.0.1.3"]));
        assert_eq!(answer(&t, ip("10.0.2.9"), "both"), records(&["10.0.2.3"]));
    }

    #[test]
    fn first_sorted_network_wins_and_full_names_beat_short_ones() {
        let mut v = view();
        // The asker's address lies in both networks' subnets.
        v.networks = vec![net("z", "10.0.0.0/16"), net("a", "10.0.1.0/24")];
        v.services.push(service(
            "z_web",
            "vip",
            &[("a", "10.0.1.4/24"), ("z", "10.0.9.4/16")],
            vec![],
        ));
        v.services
            .push(service("x", "vip", &[("z", "10.0.9.5/16")], vec![]));
        let t = Table::from_view(&v);
        let me = ip("10.0.1.9");
        assert_eq!(answer(&t, me, "web"), records(&["10.0.1.2"]));
        assert_eq!(answer(&t, me, "z_web"), records(&["10.0.1.4"]));
        assert_eq!(answer(&t, me, "x"), records(&["10.0.9.5"]));
    }

    #[test]
    fn a_task_sees_the_services_of_all_its_networks() {
        let mut v = view();
        v.services[0].tasks.push(task(
            "web.3.t9",
            &[("a", "10.0.1.9/24"), ("b", "10.0.2.9/24")],
        ));
        let t = Table::from_view(&v);
        // Asking from its address on `a`, it sees `api` on `b`.
        assert_eq!(answer(&t, ip("10.0.1.9"), "api"), records(&["10.0.2.2"]));
        assert_eq!(answer(&t, ip("10.0.2.9"), "web"), records(&["10.0.1.2"]));
        // Another asker on `a` does not.
        assert_eq!(answer(&t, ip("10.0.1.10"), "api"), Answer::Forward);
    }

    #[test]
    fn ingress_has_no_names() {
        let mut v = view();
        v.networks[1].ingress = true;
        let t = Table::from_view(&v);
        assert_eq!(t.len(), 1);
        assert_eq!(answer(&t, ip("10.0.1.9"), "web"), Answer::Forward);
    }
}
