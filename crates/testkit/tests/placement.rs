//! Harness tests of placement: each constraint attribute with `==` and `!=`, max replicas
//! per node, spread preferences over one and two levels, Swarm's explanation for a task
//! that fits nowhere, and constraint changes moving the tasks that no longer fit.

use shoal_api::{Availability, NodeRole, Placement, ServiceMode, ServiceSpec, TaskState};
use shoal_testkit::Harness;
use std::collections::BTreeMap;

/// Four nodes: a (manager, 10.0.0.1, zone=east, engine disk=ssd, linux/x86_64), b
/// (10.0.1.2, zone=west, arm64), c (192.168.1.3, zone=east), d (no labels, 192.168.1.4).
fn cluster() -> Harness {
    let mut h = Harness::new();
    h.add_node_with("a", |n| {
        n.spec.role = NodeRole::Manager;
        n.status.addr = "10.0.0.1".into();
        n.spec.labels.insert("zone".into(), "east".into());
        n.description
            .engine
            .labels
            .insert("disk".into(), "ssd".into());
        n.description.platform.os = "linux".into();
        n.description.platform.architecture = "x86_64".into();
    });
    h.add_node_with("b", |n| {
        n.status.addr = "10.0.1.2".into();
        n.spec.labels.insert("zone".into(), "west".into());
        n.description.platform.os = "linux".into();
        n.description.platform.architecture = "aarch64".into();
    });
    h.add_node_with("c", |n| {
        n.status.addr = "192.168.1.3".into();
        n.spec.labels.insert("zone".into(), "east".into());
        n.description.platform.os = "linux".into();
        n.description.platform.architecture = "x86_64".into();
    });
    h.add_node_with("d", |n| {
        n.status.addr = "192.168.1.4".into();
        n.description.platform.os = "windows".into();
        n.description.platform.architecture = "x86_64".into();
    });
    h
}

fn placed(constraints: &[&str], max: Option<u64>, prefs: &[&str]) -> ServiceSpec {
    let mut spec = Harness::spec("web", ServiceMode::replicated(4));
    spec.task_template.placement = Some(Placement {
        constraints: constraints.iter().map(|c| c.to_string()).collect(),
        preferences: prefs
            .iter()
            .map(|d| shoal_api::PlacementPreference::spread(d))
            .collect(),
        max_replicas: max,
        ..Default::default()
    });
    spec
}

/// Hostnames of the nodes running the service's tasks (one entry per task, sorted).
fn hosts(h: &Harness, s: &str) -> Vec<String> {
    let mut v: Vec<String> = h
        .running(s)
        .iter()
        .map(|t| t.node_id.trim_start_matches("node-").to_string())
        .collect();
    v.sort();
    v
}

fn distinct(h: &Harness, s: &str) -> String {
    let mut v = hosts(h, s);
    v.dedup();
    v.join(",")
}

fn run(constraints: &[&str]) -> String {
    let mut h = cluster();
    let s = h.create_service(placed(constraints, None, &[]));
    h.converge();
    distinct(&h, &s)
}

#[test]
fn every_attribute_with_both_operators() {
    assert_eq!(run(&["node.id==node-b"]), "b");
    assert_eq!(run(&["node.id!=node-b"]), "a,c,d");
    assert_eq!(run(&["node.hostname==c"]), "c");
    assert_eq!(run(&["node.hostname!=c"]), "a,b,d");
    assert_eq!(run(&["node.ip==10.0.1.2"]), "b");
    assert_eq!(run(&["node.ip==10.0.0.0/16"]), "a,b");
    assert_eq!(run(&["node.ip!=10.0.0.0/8"]), "c,d");
    assert_eq!(run(&["node.role==manager"]), "a");
    assert_eq!(run(&["node.role!=manager"]), "b,c,d");
    assert_eq!(run(&["node.platform.os==windows"]), "d");
    assert_eq!(run(&["node.platform.os!=windows"]), "a,b,c");
    assert_eq!(run(&["node.platform.arch==aarch64"]), "b");
    assert_eq!(run(&["node.platform.arch!=aarch64"]), "a,c,d");
    assert_eq!(run(&["node.labels.zone==east"]), "a,c");
    assert_eq!(run(&["node.labels.zone!=east"]), "b,d");
    assert_eq!(run(&["engine.labels.disk==ssd"]), "a");
    assert_eq!(run(&["engine.labels.disk!=ssd"]), "b,c,d");
    assert_eq!(run(&["node.labels.zone==east", "node.role==worker"]), "c");
}

#[test]
fn a_task_that_fits_nowhere_waits_with_swarms_explanation_then_is_placed() {
    let mut h = cluster();
    h.set_availability("node-d", Availability::Drain);
    let mut spec = placed(&["node.labels.zone==north"], None, &[]);
    spec.mode = ServiceMode::replicated(1);
    let s = h.create_service(spec);
    h.converge();
    let t = h.tasks_of(&s)[0].clone();
    assert_eq!(t.status.state, TaskState::Pending);
    assert_eq!(
        t.status.err,
        "no suitable node (scheduling constraints not satisfied on 3 nodes; \
         1 node not available for new tasks)"
    );
    h.set_node_label("node-c", "zone", Some("north"));
    h.converge();
    assert_eq!(distinct(&h, &s), "c");
    assert_eq!(
        h.tasks_of(&s).len(),
        1,
        "the pending task itself was placed"
    );
}

#[test]
fn a_pending_task_follows_a_relaxed_constraint() {
    let mut h = cluster();
    let s = h.create_service(placed(&["node.hostname==nowhere"], None, &[]));
    h.converge();
    assert!(h.running(&s).is_empty());
    h.update_service(&s, |sp| {
        sp.task_template.placement.as_mut().unwrap().constraints = vec![];
    });
    h.converge();
    assert_eq!(h.running(&s).len(), 4);
}

#[test]
fn max_replicas_per_node_is_never_exceeded() {
    let mut h = cluster();
    let mut spec = placed(&["node.labels.zone==east"], Some(1), &[]);
    spec.mode = ServiceMode::replicated(3);
    let s = h.create_service(spec);
    h.converge();
    assert_eq!(hosts(&h, &s), ["a", "c"]);
    let pending: Vec<_> = h
        .tasks_of(&s)
        .into_iter()
        .filter(|t| t.status.state == TaskState::Pending)
        .collect();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        pending[0].status.err,
        "no suitable node (scheduling constraints not satisfied on 2 nodes; \
         max replicas per node limit exceed)"
    );
    h.update_service(&s, |sp| {
        sp.task_template.placement.as_mut().unwrap().max_replicas = Some(2)
    });
    h.converge();
    assert_eq!(h.running(&s).len(), 3);
}

#[test]
fn max_replicas_alone_explains_itself() {
    let mut h = Harness::new();
    h.add_node("a");
    let mut spec = placed(&[], Some(2), &[]);
    spec.mode = ServiceMode::replicated(3);
    let s = h.create_service(spec);
    h.converge();
    assert_eq!(h.running(&s).len(), 2);
    let t = h
        .tasks_of(&s)
        .into_iter()
        .find(|t| t.status.state == TaskState::Pending)
        .unwrap();
    assert_eq!(
        t.status.err,
        "no suitable node (max replicas per node limit exceed)"
    );
}

fn per_label(h: &Harness, s: &str, key: &str) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for t in h.running(s) {
        let v = h.state.nodes[&t.node_id].spec.labels.get(key).cloned();
        *m.entry(v.unwrap_or_else(|| "-".into())).or_default() += 1;
    }
    m
}

#[test]
fn spread_splits_evenly_across_label_values_and_unlabelled_nodes() {
    let mut h = cluster();
    let mut spec = placed(&[], None, &["node.labels.zone"]);
    spec.mode = ServiceMode::replicated(6);
    let s = h.create_service(spec);
    h.converge();
    // east has two nodes, west one, and d (no label) its own group: 2 tasks each.
    let m = per_label(&h, &s, "zone");
    assert_eq!(m.values().copied().collect::<Vec<_>>(), [2, 2, 2], "{m:?}");
    assert_eq!(hosts(&h, &s), ["a", "b", "b", "c", "d", "d"]);
}

#[test]
fn spread_over_two_levels() {
    let mut h = Harness::new();
    for (n, dc, rack) in [
        ("a", "1", "x"),
        ("b", "1", "x"),
        ("c", "1", "y"),
        ("d", "2", "z"),
    ] {
        h.add_node_with(n, |node| {
            node.spec.labels.insert("dc".into(), dc.into());
            node.spec.labels.insert("rack".into(), rack.into());
        });
    }
    let mut spec = placed(&[], None, &["node.labels.dc", "node.labels.rack"]);
    spec.mode = ServiceMode::replicated(8);
    let s = h.create_service(spec);
    h.converge();
    // dc 1 and 2 get 4 each; within dc 1, racks x and y get 2 each.
    assert_eq!(hosts(&h, &s), ["a", "b", "c", "c", "d", "d", "d", "d"]);
}

#[test]
fn constraint_add_moves_only_the_tasks_that_no_longer_fit() {
    let mut h = cluster();
    let s = h.create_service(placed(&[], None, &[]));
    h.converge();
    assert_eq!(distinct(&h, &s), "a,b,c,d");
    let before: BTreeMap<String, String> = h
        .running(&s)
        .iter()
        .map(|t| (t.node_id.clone(), t.id.clone()))
        .collect();
    h.update_service(&s, |sp| {
        sp.task_template.placement = Some(Placement {
            constraints: vec!["node.labels.zone==east".into()],
            ..Default::default()
        })
    });
    h.converge();
    assert_eq!(hosts(&h, &s), ["a", "a", "c", "c"]);
    for node in ["node-a", "node-c"] {
        assert!(
            h.running(&s).iter().any(|t| t.id == before[node]),
            "the task on {node} still fits and keeps running"
        );
    }
    // Removing the constraint moves nothing.
    let ids: Vec<String> = h.running(&s).iter().map(|t| t.id.clone()).collect();
    h.update_service(&s, |sp| sp.task_template.placement = None);
    h.converge();
    let after: Vec<String> = h.running(&s).iter().map(|t| t.id.clone()).collect();
    assert_eq!(ids, after);
}

#[test]
fn global_services_run_only_on_matching_nodes() {
    let mut h = cluster();
    let mut spec = placed(&["node.labels.zone==east"], None, &[]);
    spec.mode = ServiceMode {
        global: Some(serde_json::json!({})),
        ..Default::default()
    };
    let s = h.create_service(spec);
    h.converge();
    assert_eq!(hosts(&h, &s), ["a", "c"]);
    h.set_node_label("node-c", "zone", None);
    h.set_node_label("node-d", "zone", Some("east"));
    h.converge();
    assert_eq!(hosts(&h, &s), ["a", "d"]);
}

#[test]
fn a_task_placed_under_relaxed_rules_moves_when_they_tighten_again() {
    // Found by the property test: a task created under `zone==east`, placed on a west node
    // once the constraint was dropped, still carries the east constraint in its own spec;
    // putting the constraint back (its spec equal again, its version not) must move it.
    let mut h = cluster();
    let mut spec = placed(&["node.labels.zone==east"], Some(1), &[]);
    spec.mode = ServiceMode::replicated(3);
    let s = h.create_service(spec);
    h.converge();
    assert_eq!(hosts(&h, &s), ["a", "c"]);
    h.update_service(&s, |sp| {
        sp.task_template.placement.as_mut().unwrap().constraints = vec![]
    });
    h.converge();
    assert_eq!(hosts(&h, &s).len(), 3);
    assert!(hosts(&h, &s).iter().any(|n| n == "b" || n == "d"));
    h.update_service(&s, |sp| {
        sp.task_template.placement.as_mut().unwrap().constraints =
            vec!["node.labels.zone==east".into()]
    });
    h.converge();
    assert_eq!(hosts(&h, &s), ["a", "c"]);
}
