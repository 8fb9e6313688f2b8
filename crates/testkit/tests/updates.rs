//! Harness tests of rolling updates and rollbacks: parallelism and delay, start-first
//! never below the desired count, the failure actions (pause, continue, rollback) with the
//! monitor period and the max failure ratio, rollbacks that fail, and no-op updates.

use shoal_api::{ServiceMode, TaskState, UpdateConfig};
use shoal_testkit::Harness;
use std::time::Duration;

const BAD: &str = "busybox:bad";

fn web(h: &mut Harness, n: u64, cfg: UpdateConfig) -> String {
    let mut spec = Harness::spec("web", ServiceMode::replicated(n));
    spec.update_config = Some(cfg.clone());
    spec.rollback_config = Some(UpdateConfig {
        failure_action: None,
        ..cfg
    });
    let s = h.create_service(spec);
    h.converge();
    s
}

fn set_image(h: &mut Harness, s: &str, image: &str) {
    h.update_service(s, |spec| {
        spec.task_template.container_spec.image = image.into()
    });
}

/// Running tasks meant to run, by image.
fn running_with(h: &Harness, s: &str, image: &str) -> usize {
    h.tasks_of(s)
        .iter()
        .filter(|t| {
            t.status.state == TaskState::Running
                && t.desired_state == TaskState::Running
                && t.spec.container_spec.image == image
        })
        .count()
}

fn status(h: &Harness, s: &str) -> (String, String) {
    let us = h.state.services[s]
        .update_status
        .clone()
        .unwrap_or_default();
    (us.state, us.message)
}

/// Reconcile and run the fake agent until nothing changes, failing every task of the bad
/// image as soon as it runs.
fn converge_failing(h: &mut Harness) {
    for _ in 0..100 {
        let plan = h.reconcile();
        let moved = h.agent_step();
        let bad: Vec<String> = h
            .state
            .tasks
            .values()
            .filter(|t| t.spec.container_spec.image == BAD && t.status.state == TaskState::Running)
            .map(|t| t.id.clone())
            .collect();
        for id in &bad {
            h.end_task(id, TaskState::Failed);
        }
        if plan.is_empty() && moved == 0 && bad.is_empty() {
            return;
        }
    }
    panic!("did not settle");
}

#[test]
fn parallelism_and_delay_pace_the_update() {
    let mut h = Harness::new();
    h.add_node("a");
    h.add_node("b");
    let s = web(
        &mut h,
        6,
        UpdateConfig {
            parallelism: 2,
            delay: Some(10_000_000_000),
            ..Default::default()
        },
    );
    set_image(&mut h, &s, "busybox:2");
    h.converge();
    assert_eq!(running_with(&h, &s, "busybox:2"), 2, "first batch only");
    h.advance(Duration::from_secs(9));
    h.converge();
    assert_eq!(
        running_with(&h, &s, "busybox:2"),
        2,
        "still within the delay"
    );
    h.advance(Duration::from_secs(1));
    h.converge();
    assert_eq!(running_with(&h, &s, "busybox:2"), 4);
    h.advance(Duration::from_secs(10));
    h.converge();
    assert_eq!(running_with(&h, &s, "busybox:2"), 6);
    // The last batch's delay and the monitor period, then the update is over.
    h.advance(Duration::from_secs(10));
    h.converge();
    assert_eq!(status(&h, &s).0, "completed");
}

#[test]
fn start_first_never_runs_fewer_than_desired() {
    let mut h = Harness::new();
    h.add_node("a");
    let s = web(
        &mut h,
        3,
        UpdateConfig {
            parallelism: 1,
            order: Some("start-first".into()),
            ..Default::default()
        },
    );
    set_image(&mut h, &s, "busybox:2");
    let mut max_seen = 0;
    for _ in 0..50 {
        let plan = h.reconcile();
        let up = h
            .tasks_of(&s)
            .iter()
            .filter(|t| t.status.state == TaskState::Running)
            .count();
        assert!(up >= 3, "only {up} running during a start-first update");
        max_seen = max_seen.max(up);
        let moved = h.agent_step();
        if plan.is_empty() && moved == 0 {
            break;
        }
    }
    assert_eq!(running_with(&h, &s, "busybox:2"), 3);
    assert_eq!(max_seen, 4, "one extra task at a time (parallelism 1)");
}

#[test]
fn failure_pauses_the_update_by_default() {
    let mut h = Harness::new();
    h.add_node("a");
    let s = web(
        &mut h,
        4,
        UpdateConfig {
            parallelism: 1,
            ..Default::default()
        },
    );
    set_image(&mut h, &s, BAD);
    converge_failing(&mut h);
    let (state, message) = status(&h, &s);
    assert_eq!(state, "paused");
    assert!(
        message.starts_with("update paused due to failure or early termination of task "),
        "{message}"
    );
    assert_eq!(
        running_with(&h, &s, "busybox"),
        3,
        "the other slots keep the old spec"
    );
    // Paused stays paused: later passes touch no other slot.
    h.advance(Duration::from_secs(60));
    converge_failing(&mut h);
    assert_eq!(running_with(&h, &s, "busybox"), 3);
}

#[test]
fn failure_action_rollback_returns_to_the_previous_spec() {
    let mut h = Harness::new();
    h.add_node("a");
    let s = web(
        &mut h,
        3,
        UpdateConfig {
            parallelism: 1,
            failure_action: Some("rollback".into()),
            monitor: Some(2_000_000_000),
            ..Default::default()
        },
    );
    set_image(&mut h, &s, BAD);
    converge_failing(&mut h);
    let svc = &h.state.services[&s];
    assert_eq!(svc.spec.task_template.container_spec.image, "busybox");
    assert_eq!(
        svc.previous_spec
            .as_ref()
            .unwrap()
            .task_template
            .container_spec
            .image,
        BAD
    );
    let (state, message) = status(&h, &s);
    assert_eq!(state, "rollback_started");
    assert!(
        message.starts_with("update rolled back due to failure or early termination of task "),
        "{message}"
    );
    assert_eq!(running_with(&h, &s, "busybox"), 3);
    h.advance(Duration::from_secs(2));
    h.converge();
    assert_eq!(status(&h, &s).0, "rollback_completed");
}

#[test]
fn continue_and_the_failure_ratio_keep_the_update_going() {
    for (action, ratio) in [("continue", 0.0), ("pause", 0.5)] {
        let mut h = Harness::new();
        h.add_node("a");
        let s = web(
            &mut h,
            4,
            UpdateConfig {
                parallelism: 0,
                failure_action: Some(action.into()),
                max_failure_ratio: Some(ratio),
                ..Default::default()
            },
        );
        set_image(&mut h, &s, "busybox:2");
        h.converge();
        // One of four new tasks dies early: 0.25 is within a 0.5 ratio; continue ignores it.
        let victim = h
            .tasks_of(&s)
            .iter()
            .find(|t| t.status.state == TaskState::Running)
            .map(|t| t.id.clone())
            .unwrap();
        h.end_task(&victim, TaskState::Failed);
        h.converge();
        assert_eq!(status(&h, &s).0, "updating", "{action} {ratio}");
        h.advance(Duration::from_secs(5));
        h.converge();
        assert_eq!(status(&h, &s).0, "completed", "{action} {ratio}");
        assert_eq!(running_with(&h, &s, "busybox:2"), 4);
    }
}

#[test]
fn a_failure_after_the_monitor_period_does_not_count() {
    let mut h = Harness::new();
    h.add_node("a");
    let s = web(
        &mut h,
        2,
        UpdateConfig {
            parallelism: 1,
            delay: Some(30_000_000_000),
            monitor: Some(1_000_000_000),
            ..Default::default()
        },
    );
    set_image(&mut h, &s, "busybox:2");
    h.converge();
    h.advance(Duration::from_secs(5));
    let first = h
        .tasks_of(&s)
        .iter()
        .find(|t| t.spec.container_spec.image == "busybox:2")
        .map(|t| t.id.clone())
        .unwrap();
    h.end_task(&first, TaskState::Failed);
    h.converge();
    assert_eq!(status(&h, &s).0, "updating");
}

#[test]
fn a_failing_rollback_pauses_instead_of_rolling_back() {
    let mut h = Harness::new();
    h.add_node("a");
    let s = web(
        &mut h,
        2,
        UpdateConfig {
            parallelism: 1,
            failure_action: Some("continue".into()),
            ..Default::default()
        },
    );
    // The previous spec is the bad one: rolling back to it fails, and the rollback's
    // failure action (pause, the default) applies.
    set_image(&mut h, &s, BAD);
    converge_failing(&mut h);
    set_image(&mut h, &s, "busybox:3");
    h.converge();
    h.rollback_service(&s);
    converge_failing(&mut h);
    let (state, message) = status(&h, &s);
    assert_eq!(state, "rollback_paused");
    assert!(
        message.starts_with("rollback paused due to failure or early termination of task "),
        "{message}"
    );
}

#[test]
fn an_update_that_changes_nothing_restarts_nothing() {
    let mut h = Harness::new();
    h.add_node("a");
    let s = web(&mut h, 3, UpdateConfig::default());
    let before: Vec<String> = h.tasks_of(&s).iter().map(|t| t.id.clone()).collect();
    h.update_service(&s, |spec| {
        spec.labels.insert("k".into(), "v".into());
    });
    h.converge();
    let after: Vec<String> = h.tasks_of(&s).iter().map(|t| t.id.clone()).collect();
    assert_eq!(before, after);
    assert!(h.state.services[&s].update_status.is_none());
}

#[test]
fn an_update_completing_does_not_invalidate_the_clients_version() {
    let mut h = Harness::new();
    h.add_node("a");
    let s = web(&mut h, 1, UpdateConfig::default());
    set_image(&mut h, &s, "busybox:2");
    h.converge();
    let version = h.state.services[&s].version.index;
    h.advance(Duration::from_secs(5));
    h.converge();
    assert_eq!(status(&h, &s).0, "completed");
    // `service rollback` read the service just before: its version still holds.
    assert_eq!(h.state.services[&s].version.index, version);
}
