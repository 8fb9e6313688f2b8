//! Harness tests of the core pipeline: orchestrators, restart supervisor, updater,
//! scheduler and reaper, driven by a manual clock and a fake agent.

use shoal_api::{Availability, NodeState, RestartCondition, RestartPolicy, ServiceMode, TaskState};
use shoal_testkit::Harness;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

fn replicated(h: &mut Harness, name: &str, n: u64) -> String {
    h.create_service(Harness::spec(name, ServiceMode::replicated(n)))
}

#[test]
fn replicated_service_fills_every_slot_and_spreads() {
    let mut h = Harness::new();
    for n in ["a", "b", "c"] {
        h.add_node(n);
    }
    let s = replicated(&mut h, "web", 6);
    h.converge();
    let running = h.running(&s);
    assert_eq!(running.len(), 6);
    let slots: BTreeSet<u64> = running.iter().map(|t| t.slot).collect();
    assert_eq!(slots, (1..=6).collect());
    let mut per_node: BTreeMap<&str, usize> = BTreeMap::new();
    for t in &running {
        *per_node.entry(t.node_id.as_str()).or_default() += 1;
    }
    assert_eq!(
        per_node.values().copied().collect::<Vec<_>>(),
        vec![2, 2, 2]
    );
    let t = running[0];
    assert_eq!(t.name, format!("web.{}.{}", t.slot, t.id));
}

#[test]
fn new_tasks_are_placed_in_the_same_pass() {
    let mut h = Harness::new();
    h.add_node("a");
    let s = replicated(&mut h, "web", 2);
    let plan = h.reconcile();
    assert_eq!(plan.new_tasks.len(), 2);
    assert!(h
        .tasks_of(&s)
        .iter()
        .all(|t| t.status.state == TaskState::Assigned && t.node_id == "node-a"));
}

#[test]
fn no_node_leaves_tasks_pending_with_swarms_reason() {
    let mut h = Harness::new();
    let a = h.add_node("a");
    h.set_availability(&a, Availability::Drain);
    let s = replicated(&mut h, "web", 1);
    h.converge();
    let t = h.tasks_of(&s)[0].clone();
    assert_eq!(t.status.state, TaskState::Pending);
    assert_eq!(
        t.status.err,
        "no suitable node (1 node not available for new tasks)"
    );
    h.set_availability(&a, Availability::Active);
    h.converge();
    assert_eq!(h.running(&s).len(), 1);
}

#[test]
fn scale_down_removes_high_slots_and_reaper_deletes_them() {
    let mut h = Harness::new();
    h.add_node("a");
    let s = replicated(&mut h, "web", 3);
    h.converge();
    h.update_service(&s, |spec| spec.mode = ServiceMode::replicated(1));
    h.converge();
    let tasks = h.tasks_of(&s);
    assert_eq!(tasks.len(), 1, "{tasks:#?}");
    assert_eq!(tasks[0].slot, 1);
    assert_eq!(tasks[0].status.state, TaskState::Running);
}

#[test]
fn scaling_changes_spec_version_but_restarts_nothing() {
    let mut h = Harness::new();
    h.add_node("a");
    let s = replicated(&mut h, "web", 1);
    h.converge();
    let before = h.running(&s)[0].id.clone();
    h.update_service(&s, |spec| spec.mode = ServiceMode::replicated(2));
    h.converge();
    let ids: BTreeSet<String> = h.running(&s).iter().map(|t| t.id.clone()).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&before), "the running task was kept");
    let version = h.state.services[&s].spec_version;
    assert!(h.running(&s).iter().all(|t| t.spec_version == version));
}

#[test]
fn failed_task_is_replaced_at_once_then_backs_off() {
    let mut h = Harness::new();
    h.add_node("a");
    let s = replicated(&mut h, "web", 1);
    h.converge();
    let first = h.running(&s)[0].id.clone();
    h.advance(Duration::from_secs(60));
    h.end_task(&first, TaskState::Failed);
    h.reconcile();
    h.agent_step();
    let second = h.running(&s);
    assert_eq!(second.len(), 1, "first restart is immediate");
    assert_eq!(second[0].slot, 1);
    let second = second[0].id.clone();
    assert_eq!(h.state.tasks[&first].desired_state, TaskState::Shutdown);

    // It fails again right away: the next restart waits 100 ms, and nothing is created
    // before then.
    h.end_task(&second, TaskState::Failed);
    let before = h.tasks_of(&s).len();
    h.converge();
    assert_eq!(h.tasks_of(&s).len(), before);
    assert!(h.running(&s).is_empty());
    let plan = h.reconcile();
    assert_eq!(plan.wake_at, Some(h.now.plus(Duration::from_millis(100))));
    h.advance(Duration::from_millis(100));
    h.converge();
    assert_eq!(h.running(&s).len(), 1);
    assert_eq!(h.tasks_of(&s).len(), before + 1);
}

#[test]
fn a_task_rejected_at_once_backs_off_instead_of_spinning() {
    let mut h = Harness::new();
    h.add_node("a");
    let s = replicated(&mut h, "bad", 1);
    let mut created = 0;
    // Ten simulated seconds in 10 ms steps; every task is rejected as soon as it appears.
    for _ in 0..1000 {
        h.reconcile();
        let fresh: Vec<String> = h
            .tasks_of(&s)
            .iter()
            .filter(|t| !t.status.state.is_terminal())
            .map(|t| t.id.clone())
            .collect();
        for id in fresh {
            created += 1;
            h.end_task(&id, TaskState::Rejected);
        }
        h.advance(Duration::from_millis(10));
    }
    // Delays 0, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5 s...: about 8 tasks in 10 s, not 1000.
    assert!((6..=10).contains(&created), "{created} tasks in 10 s");
}

#[test]
fn restart_condition_none_leaves_the_slot_empty() {
    let mut h = Harness::new();
    h.add_node("a");
    let mut spec = Harness::spec("once", ServiceMode::replicated(1));
    spec.task_template.restart_policy = Some(RestartPolicy {
        condition: Some(RestartCondition::None),
        ..Default::default()
    });
    let s = h.create_service(spec);
    h.converge();
    let t = h.running(&s)[0].id.clone();
    h.end_task(&t, TaskState::Complete);
    h.converge();
    assert_eq!(h.tasks_of(&s).len(), 1);
    assert_eq!(h.state.tasks[&t].status.state, TaskState::Complete);
}

#[test]
fn max_attempts_stops_restarting() {
    let mut h = Harness::new();
    h.add_node("a");
    let mut spec = Harness::spec("flaky", ServiceMode::replicated(1));
    spec.task_template.restart_policy = Some(RestartPolicy {
        max_attempts: Some(2),
        delay: Some(0),
        ..Default::default()
    });
    let s = h.create_service(spec);
    h.converge();
    for _ in 0..3 {
        if let Some(t) = h.running(&s).first().map(|t| t.id.clone()) {
            h.end_task(&t, TaskState::Failed);
        }
        h.converge();
    }
    assert!(h.running(&s).is_empty());
    assert_eq!(h.tasks_of(&s).len(), 3, "original plus two restarts");
}

#[test]
fn update_rolls_one_slot_at_a_time_stop_first() {
    let mut h = Harness::new();
    h.add_node("a");
    h.add_node("b");
    let s = replicated(&mut h, "web", 3);
    h.converge();
    h.update_service(&s, |spec| {
        spec.task_template.container_spec.image = "busybox:2".into()
    });
    let version = h.state.services[&s].spec_version;
    // First pass: exactly one slot starts updating, and its new task waits at READY
    // until the old one has stopped.
    h.reconcile();
    let fresh: Vec<_> = h
        .tasks_of(&s)
        .into_iter()
        .filter(|t| t.spec_version == version)
        .cloned()
        .collect();
    assert_eq!(fresh.len(), 1);
    assert_eq!(fresh[0].desired_state, TaskState::Ready);
    h.converge();
    let running = h.running(&s);
    assert_eq!(running.len(), 3);
    assert!(running
        .iter()
        .all(|t| t.spec.container_spec.image == "busybox:2"));
    let slots: BTreeSet<u64> = running.iter().map(|t| t.slot).collect();
    assert_eq!(slots, [1, 2, 3].into());
}

#[test]
fn drained_node_tasks_move_and_down_node_tasks_are_replaced() {
    let mut h = Harness::new();
    let a = h.add_node("a");
    let b = h.add_node("b");
    let s = replicated(&mut h, "web", 4);
    h.converge();
    h.set_availability(&a, Availability::Drain);
    h.converge();
    assert!(h.running(&s).iter().all(|t| t.node_id == b));
    assert_eq!(h.running(&s).len(), 4);
    h.set_availability(&a, Availability::Active);
    h.set_node_state(&b, NodeState::Down);
    h.converge();
    assert_eq!(h.running(&s).len(), 4);
    assert!(h.running(&s).iter().all(|t| t.node_id == a));
}

#[test]
fn global_service_runs_once_per_eligible_node() {
    let mut h = Harness::new();
    let a = h.add_node("a");
    h.add_node("b");
    let s = h.create_service(Harness::spec(
        "agent",
        ServiceMode {
            global: Some(serde_json::json!({})),
            ..Default::default()
        },
    ));
    h.converge();
    assert_eq!(h.running(&s).len(), 2);
    assert!(h.running(&s).iter().all(|t| t.slot == 0));
    let c = h.add_node("c");
    h.converge();
    assert_eq!(h.running(&s).len(), 3);
    h.set_availability(&a, Availability::Drain);
    h.converge();
    let nodes: BTreeSet<String> = h.running(&s).iter().map(|t| t.node_id.clone()).collect();
    assert_eq!(nodes.len(), 2);
    assert!(nodes.contains(&c) && !nodes.contains(&a));
}

#[test]
fn deleting_a_service_removes_its_tasks() {
    let mut h = Harness::new();
    h.add_node("a");
    let s = replicated(&mut h, "web", 2);
    h.converge();
    h.delete_service(&s);
    h.converge();
    assert!(h.state.tasks.is_empty());
}

#[test]
fn history_is_trimmed_per_slot() {
    let mut h = Harness::new();
    h.add_node("a");
    let s = replicated(&mut h, "web", 1);
    h.converge();
    for _ in 0..10 {
        h.advance(Duration::from_secs(30));
        let t = h.running(&s)[0].id.clone();
        h.end_task(&t, TaskState::Failed);
        h.converge();
    }
    assert_eq!(h.tasks_of(&s).len(), 5);
    assert_eq!(h.running(&s).len(), 1);
}

#[test]
fn an_update_is_marked_completed_once_every_slot_runs_the_new_spec() {
    let mut h = Harness::new();
    h.add_node("a");
    let s = replicated(&mut h, "web", 2);
    h.converge();
    h.update_service(&s, |spec| {
        spec.task_template.container_spec.image = "busybox:2".into()
    });
    let mut svc = h.state.services[&s].clone();
    svc.update_status = Some(shoal_api::UpdateStatus {
        state: "updating".into(),
        started_at: h.now,
        ..Default::default()
    });
    let v = svc.version.index;
    h.apply(vec![shoal_store::Op::UpdateService {
        service: Box::new(svc),
        expected_version: v,
    }]);
    h.reconcile();
    assert_eq!(
        h.state.services[&s].update_status.as_ref().unwrap().state,
        "updating",
        "not complete while old tasks run"
    );
    h.converge();
    assert_eq!(
        h.state.services[&s].update_status.as_ref().unwrap().state,
        "updating",
        "not complete before the monitor period (5 s) has passed"
    );
    h.advance(Duration::from_secs(5));
    h.converge();
    let us = h.state.services[&s].update_status.clone().unwrap();
    assert_eq!(us.state, "completed");
    assert_eq!(us.message, "update completed");
}
