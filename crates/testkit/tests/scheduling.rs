//! Harness tests of the scheduler's resource and port filters and of ranking: reservations
//! against node capacity ("insufficient resources"), host-mode ports that never collide on
//! a node, nodes where the service keeps failing placed last, and scale-down taking from the
//! busiest nodes and tasks that are not running first.

use shoal_api::{EndpointSpec, PortConfig, ServiceMode, ServiceSpec, TaskState, UpdateConfig};
use shoal_testkit::Harness;
use std::collections::BTreeMap;

const GIB: i64 = 1 << 30;
const CPU: i64 = 1_000_000_000;

fn node(h: &mut Harness, name: &str, cpus: i64, mem: i64) -> String {
    h.add_node_with(name, |n| {
        n.description.resources.nano_cpus = cpus * CPU;
        n.description.resources.memory_bytes = mem;
    })
}

fn reserving(name: &str, n: u64, cpus: i64, mem: i64) -> ServiceSpec {
    let mut spec = Harness::spec(name, ServiceMode::replicated(n));
    spec.task_template.resources = Some(
        serde_json::from_value(serde_json::json!({
            "Reservations": {"NanoCPUs": cpus, "MemoryBytes": mem}
        }))
        .expect("resources"),
    );
    spec
}

fn per_node(h: &Harness, s: &str) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for t in h.running(s) {
        *m.entry(t.node_id.clone()).or_default() += 1;
    }
    m
}

fn pending_errors(h: &Harness, s: &str) -> Vec<String> {
    h.tasks_of(s)
        .iter()
        .filter(|t| t.status.state == TaskState::Pending)
        .map(|t| t.status.err.clone())
        .collect()
}

#[test]
fn reservations_fill_nodes_up_to_capacity_then_wait() {
    let mut h = Harness::new();
    node(&mut h, "a", 2, 4 * GIB);
    node(&mut h, "b", 1, 4 * GIB);
    // 1 CPU each: a takes two, b one, the fourth fits nowhere.
    let s = h.create_service(reserving("cpu", 4, CPU, 0));
    h.converge();
    assert_eq!(
        per_node(&h, &s),
        BTreeMap::from([("node-a".into(), 2), ("node-b".into(), 1)])
    );
    assert_eq!(
        pending_errors(&h, &s),
        vec!["no suitable node (insufficient resources on 2 nodes)"]
    );
    // Memory counts too, and a node joining with room takes the pending task.
    node(&mut h, "c", 8, GIB);
    let m = h.create_service(reserving("mem", 1, 0, 2 * GIB));
    h.converge();
    // b: fewer tasks in all than a, and c (8 CPUs, 1 GiB) took cpu's fourth task but has
    // too little memory.
    assert_eq!(per_node(&h, &m).keys().next().unwrap(), "node-b");
    assert_eq!(pending_errors(&h, &s), Vec::<String>::new());
    assert_eq!(h.running(&s).len(), 4);
}

#[test]
fn pending_explains_constraints_and_resources_together() {
    let mut h = Harness::new();
    for n in ["a", "b", "c"] {
        node(&mut h, n, 4, 4 * GIB);
    }
    h.add_node_with("d", |n| {
        n.description.resources.nano_cpus = CPU;
        n.description.resources.memory_bytes = GIB;
        n.spec.labels.insert("gpu".into(), "yes".into());
    });
    let mut spec = reserving("ml", 1, 2 * CPU, 0);
    spec.task_template.placement = Some(shoal_api::Placement {
        constraints: vec!["node.labels.gpu==yes".into()],
        ..Default::default()
    });
    let s = h.create_service(spec);
    h.converge();
    assert_eq!(
        pending_errors(&h, &s),
        vec![
            "no suitable node (scheduling constraints not satisfied on 3 nodes; \
             insufficient resources on 1 node)"
        ]
    );
}

fn host_port(name: &str, n: u64, port: u32) -> ServiceSpec {
    let mut spec = Harness::spec(name, ServiceMode::replicated(n));
    spec.endpoint_spec = Some(EndpointSpec {
        ports: vec![PortConfig {
            protocol: "tcp".into(),
            target_port: 80,
            published_port: Some(port),
            publish_mode: "host".into(),
            ..Default::default()
        }],
        ..Default::default()
    });
    spec
}

#[test]
fn host_mode_ports_never_collide_on_a_node() {
    let mut h = Harness::new();
    h.add_node("a");
    h.add_node("b");
    let s = h.create_service(host_port("web", 3, 8080));
    h.converge();
    assert_eq!(
        per_node(&h, &s),
        BTreeMap::from([("node-a".into(), 1), ("node-b".into(), 1)])
    );
    assert_eq!(
        pending_errors(&h, &s),
        vec!["no suitable node (host-mode port already in use on 2 nodes)"]
    );
    // Another service on the same port waits too; a different port fits.
    let other = h.create_service(host_port("api", 1, 8080));
    let free = h.create_service(host_port("admin", 2, 9090));
    h.converge();
    assert_eq!(h.running(&other).len(), 0);
    assert_eq!(h.running(&free).len(), 2);
    // Changing a published port is an update: the tasks are replaced.
    let before: Vec<String> = h.running(&free).iter().map(|t| t.id.clone()).collect();
    h.update_service(&free, |sp| {
        sp.endpoint_spec.as_mut().unwrap().ports[0].published_port = Some(9091)
    });
    assert_eq!(
        h.state.services[&free]
            .update_status
            .as_ref()
            .map(|u| u.state.as_str()),
        Some("updating")
    );
    h.converge();
    let after = h.running(&free);
    assert_eq!(after.len(), 2);
    assert!(after.iter().all(|t| !before.contains(&t.id)));
    // Scaling web down frees a port for the waiting tasks.
    h.update_service(&s, |sp| sp.mode = ServiceMode::replicated(1));
    h.converge();
    assert_eq!(h.running(&s).len() + h.running(&other).len(), 2);
}

#[test]
fn nodes_where_the_service_keeps_failing_go_last() {
    let mut h = Harness::new();
    h.add_node("a");
    h.add_node("b");
    let mut spec = Harness::spec("flaky", ServiceMode::replicated(1));
    spec.update_config = Some(UpdateConfig::default());
    let s = h.create_service(spec);
    h.converge();
    let first = h.running(&s)[0].node_id.clone();
    assert_eq!(first, "node-a", "lowest id wins a tie");
    // Five quick failures on a: the next task goes to b although a is emptier of others.
    for _ in 0..5 {
        let t = h
            .running(&s)
            .first()
            .map(|t| t.id.clone())
            .expect("a running task");
        let node = h.state.tasks[&t].node_id.clone();
        if node != "node-a" {
            break;
        }
        h.end_task(&t, TaskState::Failed);
        h.advance(std::time::Duration::from_secs(6));
        h.converge();
    }
    assert_eq!(h.running(&s)[0].node_id, "node-b");
    // After the five-minute window a is as good as b again.
    h.advance(std::time::Duration::from_secs(301));
    h.update_service(&s, |sp| sp.mode = ServiceMode::replicated(2));
    h.converge();
    assert_eq!(per_node(&h, &s).len(), 2);
}

#[test]
fn scale_down_takes_from_the_busiest_nodes_first() {
    let mut h = Harness::new();
    h.add_node("a");
    let s = h.create_service(Harness::spec("web", ServiceMode::replicated(4)));
    h.converge();
    // All four on a; b joins: nothing moves (no rebalancing), two new ones go to b.
    h.add_node("b");
    h.update_service(&s, |sp| sp.mode = ServiceMode::replicated(6));
    h.converge();
    assert_eq!(
        per_node(&h, &s),
        BTreeMap::from([("node-a".into(), 4), ("node-b".into(), 2)])
    );
    // Down to 4: both removed tasks come from a, the busiest.
    h.update_service(&s, |sp| sp.mode = ServiceMode::replicated(4));
    h.converge();
    assert_eq!(
        per_node(&h, &s),
        BTreeMap::from([("node-a".into(), 2), ("node-b".into(), 2)])
    );
}

#[test]
fn scale_down_prefers_tasks_that_are_not_running() {
    let mut h = Harness::new();
    h.add_node("a");
    h.add_node("b");
    let s = h.create_service(Harness::spec("web", ServiceMode::replicated(4)));
    h.converge();
    let slot_task = |h: &Harness, slot: u64| {
        h.running(&s)
            .iter()
            .find(|t| t.slot == slot)
            .map(|t| (t.id.clone(), t.node_id.clone()))
            .unwrap()
    };
    // Slots alternate a, b, a, b. Slot 2's task fails; its replacement is assigned to b but
    // not running yet when the service scales down to 3.
    let (failed, node) = slot_task(&h, 2);
    assert_eq!(node, "node-b");
    h.end_task(&failed, TaskState::Failed);
    h.reconcile();
    let replacement = h
        .tasks_of(&s)
        .iter()
        .find(|t| t.slot == 2 && t.status.state == TaskState::Assigned)
        .map(|t| t.id.clone())
        .expect("a replacement in slot 2");
    h.update_service(&s, |sp| sp.mode = ServiceMode::replicated(3));
    h.reconcile();
    // Both nodes hold two; of the second tasks on each, the one not running goes (slot 3,
    // running, stays although its number is higher).
    assert_eq!(h.state.tasks[&replacement].desired_state, TaskState::Remove);
    h.converge();
    assert_eq!(h.running(&s).len(), 3);
}
