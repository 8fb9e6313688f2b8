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
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn services_always_converge(events in proptest::collection::vec(event(), 1..25)) {
        let mut h = Harness::new();
        let nodes: Vec<String> = ["a", "b", "c"].iter().map(|n| h.add_node(n)).collect();
        let keep_going = |mut spec: shoal_api::ServiceSpec, order: &str| {
            let mut cfg = continue_through_failures();
            cfg.order = Some(order.into());
            spec.update_config = Some(cfg);
            spec
        };
        let mut services = vec![
            h.create_service(keep_going(Harness::spec("one", ServiceMode::replicated(2)), "stop-first")),
            h.create_service(keep_going(Harness::spec("two", ServiceMode::replicated(3)), "start-first")),
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
            // One running task per slot (scale-down picks which slots go, so the numbers
            // need not be 1..=want).
            prop_assert_eq!(slots.len() as u64, want);
            let image = &h.state.services[sid].spec.task_template.container_spec.image;
            prop_assert!(running.iter().all(|t| &t.spec.container_spec.image == image));
        }
        let global_nodes: BTreeSet<String> = h.running(&services[2]).iter().map(|t| t.node_id.clone()).collect();
        prop_assert!(eligible.is_subset(&global_nodes), "global on every eligible node");
        prop_assert_eq!(global_nodes.len(), h.running(&services[2]).len(), "one per node");
    }
}

/// Zone label of node i in the placement properties (None: unlabelled).
fn zone(z: u8) -> Option<&'static str> {
    ["east", "west"].get(z as usize).copied()
}

#[derive(Debug, Clone)]
enum PlaceEvent {
    Scale(u64),
    FailOne(usize),
    Drain(usize),
    Activate(usize),
    Down(usize),
    Up(usize),
    Constrain(u8),
    Advance(u64),
}

fn place_event() -> impl Strategy<Value = PlaceEvent> {
    prop_oneof![
        (0..8u64).prop_map(PlaceEvent::Scale),
        (0..8usize).prop_map(PlaceEvent::FailOne),
        (0..5usize).prop_map(PlaceEvent::Drain),
        (0..5usize).prop_map(PlaceEvent::Activate),
        (0..5usize).prop_map(PlaceEvent::Down),
        (0..5usize).prop_map(PlaceEvent::Up),
        (0..4u8).prop_map(PlaceEvent::Constrain),
        (0..10_000u64).prop_map(PlaceEvent::Advance),
    ]
}

/// The constraint sets a service moves between.
fn constraints(c: u8) -> Vec<String> {
    match c {
        0 => vec![],
        1 => vec!["node.labels.zone==east".into()],
        2 => vec!["node.labels.zone!=east".into()],
        _ => vec!["node.role==worker".into(), "node.hostname!=n0".into()],
    }
}

fn placed_spec(
    name: &str,
    replicas: u64,
    c: u8,
    max: Option<u64>,
    spread: bool,
) -> shoal_api::ServiceSpec {
    let mut spec = Harness::spec(name, ServiceMode::replicated(replicas));
    spec.task_template.placement = Some(shoal_api::Placement {
        constraints: constraints(c),
        max_replicas: max,
        preferences: if spread {
            vec![shoal_api::PlacementPreference::spread("node.labels.zone")]
        } else {
            vec![]
        },
        ..Default::default()
    });
    spec.update_config = Some(continue_through_failures());
    spec
}

/// Failures in these properties are injected at random, not caused by a new spec: updates
/// continue through them (a paused update would rightly leave old tasks where they are).
fn continue_through_failures() -> shoal_api::UpdateConfig {
    shoal_api::UpdateConfig {
        parallelism: 1,
        failure_action: Some("continue".into()),
        ..Default::default()
    }
}

/// Active tasks (assigned, not ended, meant to run) of the service per node.
fn per_node(h: &Harness, sid: &str) -> std::collections::BTreeMap<String, u64> {
    let mut m = std::collections::BTreeMap::new();
    for t in h.tasks_of(sid) {
        if !t.node_id.is_empty()
            && t.status.state >= TaskState::Assigned
            && !t.status.state.is_terminal()
            && t.desired_state <= TaskState::Running
        {
            *m.entry(t.node_id.clone()).or_default() += 1;
        }
    }
    m
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Constraints hold once settled (a constraint change moves what no longer fits), the
    /// per-node limit holds after every step, and the service runs as many replicas as
    /// the matching nodes can take.
    #[test]
    fn placement_is_never_violated(
        zones in proptest::collection::vec(0..3u8, 5),
        max in 1..3u64,
        events in proptest::collection::vec(place_event(), 1..25),
    ) {
        let mut h = Harness::new();
        let nodes: Vec<String> = zones.iter().enumerate().map(|(i, z)| {
            h.add_node_with(&format!("n{i}"), |n| {
                if let Some(z) = zone(*z) {
                    n.spec.labels.insert("zone".into(), z.into());
                }
                if i == 0 {
                    n.spec.role = shoal_api::NodeRole::Manager;
                }
            })
        }).collect();
        let s = h.create_service(placed_spec("web", 3, 1, Some(max), false));
        h.converge();
        for e in events {
            match e {
                PlaceEvent::Scale(n) => h.update_service(&s, |sp| sp.mode = ServiceMode::replicated(n)),
                PlaceEvent::FailOne(i) => {
                    let running: Vec<String> = h.running(&s).iter().map(|t| t.id.clone()).collect();
                    if !running.is_empty() {
                        h.end_task(&running[i % running.len()], TaskState::Failed);
                    }
                }
                PlaceEvent::Drain(n) => h.set_availability(&nodes[n], Availability::Drain),
                PlaceEvent::Activate(n) => h.set_availability(&nodes[n], Availability::Active),
                PlaceEvent::Down(n) => h.set_node_state(&nodes[n], NodeState::Down),
                PlaceEvent::Up(n) => h.set_node_state(&nodes[n], NodeState::Ready),
                PlaceEvent::Constrain(c) => h.update_service(&s, |sp| {
                    sp.task_template.placement.as_mut().unwrap().constraints = constraints(c)
                }),
                PlaceEvent::Advance(ms) => h.advance(Duration::from_millis(ms)),
            }
            h.reconcile();
            h.agent_step();
            for (node, n) in per_node(&h, &s) {
                prop_assert!(n <= max, "{} tasks on {}", n, node);
            }
        }
        for _ in 0..20 {
            h.advance(Duration::from_secs(6));
            h.converge();
        }
        let svc = &h.state.services[&s];
        let rules = shoal_core::placement::Rules::of(&svc.spec.task_template);
        let fitting = h.state.nodes.values().filter(|n| n.accepts_tasks() && rules.matches(n)).count() as u64;
        let want = match svc.spec.mode.kind() {
            shoal_api::ModeKind::Replicated(n) => n,
            _ => unreachable!(),
        };
        // With too few fitting nodes a rolling update stalls on its pending task, as in
        // Swarm, and tasks not yet updated keep running where they are.
        if fitting * max >= want {
            for t in h.running(&s) {
                prop_assert!(rules.matches(&h.state.nodes[&t.node_id]), "{} on {}", t.id, t.node_id);
            }
            prop_assert_eq!(h.running(&s).len() as u64, want);
        } else {
            prop_assert!(h.running(&s).len() as u64 <= want);
        }
        for (node, n) in per_node(&h, &s) {
            prop_assert!(n <= max, "{} tasks on {}", n, node);
        }
    }

    /// Spread keeps every label value (and the unlabelled nodes) within one task of the
    /// others as the service scales up.
    #[test]
    fn spread_stays_balanced(
        zones in proptest::collection::vec(0..3u8, 1..7),
        scales in proptest::collection::vec(1..6u64, 1..5),
    ) {
        let mut h = Harness::new();
        for (i, z) in zones.iter().enumerate() {
            h.add_node_with(&format!("n{i}"), |n| {
                if let Some(z) = zone(*z) {
                    n.spec.labels.insert("zone".into(), z.into());
                }
            });
        }
        let s = h.create_service(placed_spec("web", 0, 0, None, true));
        let mut replicas = 0;
        for add in scales {
            replicas += add;
            h.update_service(&s, |sp| sp.mode = ServiceMode::replicated(replicas));
            h.converge();
            let mut groups: std::collections::BTreeMap<Option<String>, u64> =
                zones.iter().map(|z| (zone(*z).map(str::to_string), 0)).collect();
            for t in h.running(&s) {
                *groups.entry(h.state.nodes[&t.node_id].spec.labels.get("zone").cloned()).or_default() += 1;
            }
            let lo = groups.values().min().copied().unwrap_or(0);
            let hi = groups.values().max().copied().unwrap_or(0);
            prop_assert_eq!(h.running(&s).len() as u64, replicas);
            prop_assert!(hi - lo <= 1, "{:?}", groups);
        }
    }
}
