//! Property tests: over random event sequences (scaling, task failures, nodes draining,
//! going down and coming back, spec changes, time passing), every replicated service
//! converges to exactly its replica count with one running task per slot, and global
//! services to one task per eligible node.

use proptest::prelude::*;
use shoal_api::{Availability, NodeState, ServiceMode, TaskState};
use shoal_testkit::Harness;
use std::collections::BTreeSet;
use std::time::Duration;

#[derive(Debug, Clone)]
enum Event {
    Scale(usize, u64),
    FailOne(usize, usize),
    Drain(usize),
    Activate(usize),
    Down(usize),
    Up(usize),
    ChangeImage(usize, u8),
    Advance(u64),
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        (0..2usize, 0..6u64).prop_map(|(s, n)| Event::Scale(s, n)),
        (0..3usize, 0..8usize).prop_map(|(s, i)| Event::FailOne(s, i)),
        (0..3usize).prop_map(Event::Drain),
        (0..3usize).prop_map(Event::Activate),
        (0..3usize).prop_map(Event::Down),
        (0..3usize).prop_map(Event::Up),
        (0..2usize, 0..3u8).prop_map(|(s, v)| Event::ChangeImage(s, v)),
        (0..10_000u64).prop_map(Event::Advance),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn services_always_converge(events in proptest::collection::vec(event(), 1..25)) {
        let mut h = Harness::new();
        let nodes: Vec<String> = ["a", "b", "c"].iter().map(|n| h.add_node(n)).collect();
        let mut services = vec![
            h.create_service(Harness::spec("one", ServiceMode::replicated(2))),
            h.create_service(Harness::spec("two", ServiceMode::replicated(3))),
        ];
        services.push(h.create_service(Harness::spec(
            "all",
            ServiceMode { global: Some(serde_json::json!({})), ..Default::default() },
        )));
        h.converge();
        for e in events {
            match e {
                Event::Scale(s, n) => h.update_service(&services[s], |sp| sp.mode = ServiceMode::replicated(n)),
                Event::FailOne(s, i) => {
                    let running: Vec<String> = h.running(&services[s]).iter().map(|t| t.id.clone()).collect();
                    if !running.is_empty() {
                        let id = running[i % running.len()].clone();
                        h.end_task(&id, TaskState::Failed);
                    }
                }
                Event::Drain(n) => h.set_availability(&nodes[n], Availability::Drain),
                Event::Activate(n) => h.set_availability(&nodes[n], Availability::Active),
                Event::Down(n) => h.set_node_state(&nodes[n], NodeState::Down),
                Event::Up(n) => h.set_node_state(&nodes[n], NodeState::Ready),
                Event::ChangeImage(s, v) => h.update_service(&services[s], |sp| {
                    sp.task_template.container_spec.image = format!("busybox:{v}")
                }),
                Event::Advance(ms) => h.advance(Duration::from_millis(ms)),
            }
            h.reconcile();
            h.agent_step();
        }
        // Let every restart delay run out, then settle.
        for _ in 0..20 {
            h.advance(Duration::from_secs(6));
            h.converge();
        }
        let eligible: BTreeSet<String> = h.state.nodes.values()
            .filter(|n| n.accepts_tasks()).map(|n| n.id.clone()).collect();
        for sid in &services[..2] {
            let want = match h.state.services[sid].spec.mode.kind() {
                shoal_api::ModeKind::Replicated(n) => n,
                _ => unreachable!(),
            };
            let running = h.running(sid);
            if eligible.is_empty() {
                prop_assert!(running.is_empty() || running.iter().all(|t| h.state.nodes[&t.node_id].keeps_tasks()));
                continue;
            }
            let slots: BTreeSet<u64> = running.iter().map(|t| t.slot).collect();
            prop_assert_eq!(running.len() as u64, want, "service {}", sid);
            prop_assert_eq!(slots, (1..=want).collect::<BTreeSet<u64>>());
            let image = &h.state.services[sid].spec.task_template.container_spec.image;
            prop_assert!(running.iter().all(|t| &t.spec.container_spec.image == image));
        }
        let global_nodes: BTreeSet<String> = h.running(&services[2]).iter().map(|t| t.node_id.clone()).collect();
        prop_assert!(eligible.is_subset(&global_nodes), "global on every eligible node");
        prop_assert_eq!(global_nodes.len(), h.running(&services[2]).len(), "one per node");
    }
}
