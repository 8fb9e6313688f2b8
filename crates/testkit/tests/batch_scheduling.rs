//! The scheduler places a run of one service's new tasks together (heaps instead of a scan
//! per task); over random clusters and services it must choose exactly what placing the
//! tasks one by one chooses: constraints, spread, per-node limits, reservations, host ports
//! and loads from tasks already placed included.

use proptest::prelude::*;
use shoal_api::ids::SequentialIds;
use shoal_api::{EndpointSpec, Placement, PortConfig, ServiceMode};
use shoal_core::index::TasksByService;
use shoal_core::scheduler::schedule_with;
use shoal_core::{orchestrator, Plan};
use shoal_testkit::Harness;

#[derive(Debug, Clone)]
struct Svc {
    replicas: u64,
    more: u64,
    zone_constraint: bool,
    spread: bool,
    max: Option<u64>,
    cpu: Option<i64>,
    port: bool,
}

fn svc() -> impl Strategy<Value = Svc> {
    (
        0..6u64,
        0..20u64,
        any::<bool>(),
        any::<bool>(),
        prop_oneof![Just(None), (1..4u64).prop_map(Some)],
        prop_oneof![Just(None), (1..3i64).prop_map(Some)],
        prop::bool::weighted(0.2),
    )
        .prop_map(
            |(replicas, more, zone_constraint, spread, max, cpu, port)| Svc {
                replicas,
                more,
                zone_constraint,
                spread,
                max,
                cpu,
                port,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn batch_placement_matches_one_by_one(
        nodes in proptest::collection::vec((0..4u8, 0..5i64), 1..12),
        services in proptest::collection::vec(svc(), 1..5),
    ) {
        let mut h = Harness::new();
        for (i, (z, cpus)) in nodes.iter().enumerate() {
            h.add_node_with(&format!("n{i:02}"), |n| {
                if *z < 3 {
                    n.spec.labels.insert("zone".into(), format!("z{z}"));
                }
                n.description.resources.nano_cpus = cpus * 1_000_000_000;
            });
        }
        let mut ids = Vec::new();
        for (k, s) in services.iter().enumerate() {
            let mut spec = Harness::spec(&format!("s{k}"), ServiceMode::replicated(s.replicas));
            spec.task_template.placement = Some(Placement {
                constraints: if s.zone_constraint { vec!["node.labels.zone!=z1".into()] } else { vec![] },
                preferences: if s.spread {
                    vec![shoal_api::PlacementPreference::spread("node.labels.zone")]
                } else {
                    vec![]
                },
                max_replicas: s.max,
                ..Default::default()
            });
            if let Some(c) = s.cpu {
                spec.task_template.resources =
                    Some(
                    serde_json::from_value(serde_json::json!({"Reservations": {"NanoCPUs": c * 1_000_000_000}}))
                        .expect("resources"),
                );
            }
            if s.port {
                spec.endpoint_spec = Some(EndpointSpec {
                    ports: vec![PortConfig {
                        protocol: "tcp".into(),
                        target_port: 80,
                        published_port: Some(8000 + k as u32),
                        publish_mode: "host".into(),
                        ..Default::default()
                    }],
                    ..Default::default()
                });
            }
            ids.push(h.create_service(spec));
        }
        // Some tasks already placed, then more wanted: the loads differ from node to node.
        h.converge();
        for (id, s) in ids.iter().zip(&services) {
            let n = s.replicas + s.more;
            h.update_service(id, |sp| sp.mode = ServiceMode::replicated(n));
        }
        let mut plan = Plan::default();
        orchestrator::run(&h.state, &TasksByService::new(&h.state), h.now, &mut SequentialIds(1_000_000), &mut plan);
        let mut batched = plan.clone();
        schedule_with(&h.state, h.now, &mut batched, true);
        let mut one_by_one = plan;
        schedule_with(&h.state, h.now, &mut one_by_one, false);
        let placed = |p: &Plan| -> Vec<(String, String, String)> {
            p.new_tasks.iter().map(|t| (t.id.clone(), t.node_id.clone(), t.status.err.clone())).collect()
        };
        prop_assert_eq!(placed(&batched), placed(&one_by_one));
    }
}
