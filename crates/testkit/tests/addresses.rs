//! The allocator over random histories: services on a small network are created, scaled,
//! have tasks fail and are removed, and at every step no address is held twice (among the
//! services' virtual IPs and the tasks that have not ended), every address lies in the
//! network's subnet and is not its gateway, and once everything is gone nothing is held.

use proptest::prelude::*;
use shoal_api::ipv4::{addr_of, Cidr};
use shoal_api::network::{Ipam, IpamConfig, Network};
use shoal_api::{NetworkAttachmentConfig, ServiceMode, TaskState};
use shoal_core::ipam::{service_vips, InUse};
use shoal_store::{Op, State};
use shoal_testkit::Harness;
use std::collections::BTreeSet;
use std::time::Duration;

const NET: &str = "net1";
/// 14 host addresses, one of them the gateway: small enough to run out.
const SUBNET: &str = "10.9.0.0/28";

#[derive(Debug, Clone)]
enum Event {
    Create(u64),
    Scale(usize, u64),
    FailOne(usize, usize),
    Remove(usize),
    Advance(u64),
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        (1..5u64).prop_map(Event::Create),
        (0..4usize, 0..6u64).prop_map(|(s, n)| Event::Scale(s, n)),
        (0..4usize, 0..8usize).prop_map(|(s, i)| Event::FailOne(s, i)),
        (0..4usize).prop_map(Event::Remove),
        (0..6_000u64).prop_map(Event::Advance),
    ]
}

fn network() -> Network {
    Network {
        id: NET.into(),
        name: "backend".into(),
        driver: "overlay".into(),
        ipam: Ipam {
            config: vec![IpamConfig {
                subnet: SUBNET.into(),
                gateway: "10.9.0.1".into(),
                ..Default::default()
            }],
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Creates a service on the network with its virtual IP, as the control API does.
fn create(h: &mut Harness, n: usize, replicas: u64) -> Option<String> {
    let mut spec = Harness::spec(&format!("s{n}"), ServiceMode::replicated(replicas));
    spec.task_template.networks = Some(vec![NetworkAttachmentConfig {
        target: NET.into(),
        ..Default::default()
    }]);
    let id = h.create_service(spec);
    let mut svc = h.state.services[&id].clone();
    match service_vips(&h.state, &mut InUse::of(&h.state), &svc, &[]) {
        Ok(vips) => svc.endpoint.virtual_ips = vips,
        // No address left: the control API refuses the create.
        Err(_) => {
            h.delete_service(&id);
            return None;
        }
    }
    let v = svc.version.index;
    h.apply(vec![Op::UpdateService {
        service: Box::new(svc),
        expected_version: v,
    }]);
    Some(id)
}

/// Every address held now, checked: in the subnet, not the gateway, never twice.
fn held(st: &State) -> Result<Vec<u32>, TestCaseError> {
    let subnet = Cidr::parse(SUBNET).expect("subnet");
    let gateway = addr_of("10.9.0.1").expect("gateway");
    let mut all = Vec::new();
    for s in st.services.values() {
        all.extend(
            s.endpoint
                .virtual_ips
                .iter()
                .filter_map(|v| addr_of(&v.addr)),
        );
    }
    for t in st.tasks.values().filter(|t| !t.status.state.is_terminal()) {
        for a in &t.networks_attachments {
            prop_assert_eq!(&a.network.id, NET);
            all.extend(a.addresses.iter().filter_map(|x| addr_of(x)));
        }
    }
    let distinct: BTreeSet<u32> = all.iter().copied().collect();
    prop_assert_eq!(
        distinct.len(),
        all.len(),
        "an address held twice: {:?}",
        all
    );
    for a in &all {
        prop_assert!(
            subnet.host_range().contains(a) && *a != gateway,
            "{a} out of place"
        );
    }
    Ok(all)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn an_address_is_never_given_twice_and_is_released_with_its_holder(
        events in proptest::collection::vec(event(), 1..30)
    ) {
        let mut h = Harness::new();
        h.add_node("a");
        h.add_node("b");
        h.apply(vec![Op::CreateNetwork(Box::new(network()))]);
        let mut services: Vec<String> = Vec::new();
        for e in events {
            match e {
                Event::Create(r) => {
                    if services.len() < 4 {
                        if let Some(id) = create(&mut h, services.len(), r) {
                            services.push(id);
                        }
                    }
                }
                Event::Scale(s, n) => {
                    if let Some(id) = services.get(s).filter(|id| h.state.services.contains_key(*id)) {
                        let id = id.clone();
                        h.update_service(&id, |sp| sp.mode = ServiceMode::replicated(n));
                    }
                }
                Event::FailOne(s, i) => {
                    if let Some(id) = services.get(s) {
                        let running: Vec<String> = h.running(id).iter().map(|t| t.id.clone()).collect();
                        if !running.is_empty() {
                            let t = running[i % running.len()].clone();
                            h.end_task(&t, TaskState::Failed);
                        }
                    }
                }
                Event::Remove(s) => {
                    if let Some(id) = services.get(s) {
                        let id = id.clone();
                        h.delete_service(&id);
                    }
                }
                Event::Advance(ms) => h.advance(Duration::from_millis(ms)),
            }
            h.reconcile();
            held(&h.state)?;
            h.agent_step();
            held(&h.state)?;
        }
        // Every running task got its address.
        for t in h.state.tasks.values().filter(|t| t.status.state == TaskState::Running) {
            prop_assert_eq!(t.networks_attachments.len(), 1, "task {} has no address", t.id);
        }
        for id in &services {
            h.delete_service(id);
        }
        for _ in 0..10 {
            h.advance(Duration::from_secs(6));
            h.converge();
        }
        prop_assert!(held(&h.state)?.is_empty(), "nothing held once everything is gone");
    }
}
