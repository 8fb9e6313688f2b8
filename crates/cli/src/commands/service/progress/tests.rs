//! The monitor driven through fixed rounds of services and tasks, with
//! time passed in, rendered as plain (non-terminal) text.

use super::monitor::{Monitor, Step};
use super::msg::Msg;
use super::render::Renderer;
use shoal_api::{Service, ServiceMode, Task, TaskState, TaskStatus, UpdateConfig, UpdateStatus};
use std::collections::HashSet;
use std::time::Duration;

fn replicated(n: u64) -> Service {
    let mut s = Service {
        id: "svc1".into(),
        ..Default::default()
    };
    s.spec.name = "web".into();
    s.spec.mode = ServiceMode::replicated(n);
    s
}

fn global() -> Service {
    let mut s = replicated(0);
    s.spec.mode = ServiceMode {
        global: Some(serde_json::json!({})),
        ..Default::default()
    };
    s
}

fn task(slot: u64, node: &str, state: TaskState) -> Task {
    Task {
        id: format!("t{slot}{node}{}", state.as_str()),
        slot,
        node_id: node.into(),
        desired_state: TaskState::Running,
        status: TaskStatus {
            state,
            ..Default::default()
        },
        ..Default::default()
    }
}

fn nodes(ids: &[&str]) -> HashSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

/// Runs rounds of (seconds since start, tasks); returns the plain output
/// and whether the monitor finished.
fn run(service: &Service, rounds: &[(u64, Vec<Task>)], active: &HashSet<String>) -> (String, bool) {
    let mut m = Monitor::new("web");
    let mut r = Renderer::new(None);
    let mut out = String::new();
    for (secs, tasks) in rounds {
        let now = Duration::from_secs(*secs);
        let mut msgs: Vec<Msg> = Vec::new();
        let step = m.on_service(service, now, &mut msgs).unwrap();
        out.extend(msgs.iter().map(|x| r.render(x)));
        if step == Step::Done {
            return (out, true);
        }
        msgs.clear();
        let step = m.on_tasks(service, tasks, active, now, &mut msgs);
        out.extend(msgs.iter().map(|x| r.render(x)));
        if step == Step::Done {
            return (out, true);
        }
    }
    (out, false)
}

#[test]
fn replicated_converges_after_monitor_period() {
    let svc = replicated(2);
    let n = nodes(&["n1"]);
    let running = vec![
        task(1, "n1", TaskState::Running),
        task(2, "n1", TaskState::Running),
    ];
    let rounds = vec![
        (0, vec![]),
        (
            1,
            vec![
                task(1, "n1", TaskState::Preparing),
                task(2, "", TaskState::Pending),
            ],
        ),
        (2, running.clone()),
        (4, running.clone()),
        (7, running.clone()),
        (8, running),
    ];
    let (out, done) = run(&svc, &rounds, &n);
    assert!(done);
    assert_eq!(
        out,
        "overall progress: 0 out of 2 tasks\n\
         1/2:  \n\
         2/2:  \n\
         overall progress: 2 out of 2 tasks\n\
         verify: Waiting 5 seconds to verify that tasks are stable...\n\
         verify: Waiting 3 seconds to verify that tasks are stable...\n\
         verify: Service web converged\n"
    );
}

#[test]
fn slot_errors_and_failures_show() {
    let svc = replicated(1);
    let n = nodes(&["n1"]);
    let mut failed = task(1, "", TaskState::Pending);
    failed.status.err = "no suitable node (scheduling constraints not satisfied on 1 node)".into();
    let rounds = vec![
        (0, vec![failed]),
        (1, vec![task(1, "n1", TaskState::Running)]),
        (2, vec![task(1, "n1", TaskState::Failed)]),
    ];
    let (out, done) = run(&svc, &rounds, &n);
    assert!(!done);
    assert_eq!(
        out,
        "overall progress: 0 out of 1 tasks\n\
         1/1:  \n\
         1/1: no suitable node (scheduling constraints not satisfied on 1 node)\n\
         overall progress: 1 out of 1 tasks\n\
         verify: Waiting 5 seconds to verify that tasks are stable...\n\
         overall progress: 0 out of 1 tasks\n\
         verify: Detected task failure\n"
    );
}

#[test]
fn lowest_desired_state_wins_per_slot() {
    // During a restart the old task (desired shutdown) and its replacement
    // share the slot: the replacement is what is shown.
    let svc = replicated(1);
    let n = nodes(&["n1"]);
    let mut old = task(1, "n1", TaskState::Running);
    old.desired_state = TaskState::Shutdown;
    let new = task(1, "n1", TaskState::Starting);
    let mut msgs = Vec::new();
    Monitor::new("web").on_tasks(&svc, &[old, new], &n, Duration::ZERO, &mut msgs);
    assert!(
        msgs.contains(&Msg::bar("1/1", "starting ", 8, 9)),
        "{msgs:?}"
    );
    // Tasks on down nodes do not count.
    let (out, _) = run(&svc, &[(0, vec![task(1, "gone", TaskState::Running)])], &n);
    assert!(!out.contains("overall progress: 1 out of 1"), "{out}");
}

#[test]
fn terminal_rendering_of_a_round() {
    let svc = replicated(1);
    let mut m = Monitor::new("web");
    let mut msgs = Vec::new();
    m.on_tasks(
        &svc,
        &[task(1, "n1", TaskState::Running)],
        &nodes(&["n1"]),
        Duration::ZERO,
        &mut msgs,
    );
    let mut r = Renderer::new(Some(120));
    let out: String = msgs.iter().map(|x| r.render(x)).collect();
    let bar = format!("[{}>] ", "=".repeat(50));
    assert_eq!(
        out,
        format!(
            "\n\x1b[1A\x1b[2K\roverall progress: 0 out of 1 tasks \r\x1b[1B\
             \n\x1b[1A\x1b[2K\r1/1:   \r\x1b[1B\
             \x1b[1A\x1b[2K\r1/1: running   {bar}\r\x1b[1B\
             \x1b[2A\x1b[2K\roverall progress: 1 out of 1 tasks \r\x1b[2B\
             \n\x1b[1A\x1b[2K\rverify: Waiting 5 seconds to verify that tasks are stable... \r\x1b[1B"
        )
    );
}

#[test]
fn global_waits_for_tasks_then_counts_nodes() {
    let svc = global();
    let n = nodes(&["node1aaaaaaaaaaaaa", "node2bbbbbbbbbbbbb"]);
    let rounds = vec![
        (0, vec![]),
        (
            1,
            vec![
                task(0, "node1aaaaaaaaaaaaa", TaskState::Running),
                task(0, "node2bbbbbbbbbbbbb", TaskState::Assigned),
            ],
        ),
    ];
    let (out, _) = run(&svc, &rounds, &n);
    assert_eq!(
        out,
        "overall progress: waiting for new tasks\n\
         overall progress: 0 out of 2 tasks\n\
         overall progress: 1 out of 2 tasks\n"
    );
}

#[test]
fn paused_update_is_an_error_and_rollback_is_reported() {
    let mut svc = replicated(1);
    svc.update_status = Some(UpdateStatus {
        state: "paused".into(),
        message: "update paused due to failure or early termination of task abc".into(),
        ..Default::default()
    });
    let mut m = Monitor::new("web");
    let e = m
        .on_service(&svc, Duration::ZERO, &mut Vec::new())
        .unwrap_err();
    assert_eq!(
        e,
        "service update paused: update paused due to failure or early termination of task abc"
    );

    svc.update_status = Some(UpdateStatus {
        state: "rollback_started".into(),
        message: "manually requested rollback".into(),
        ..Default::default()
    });
    let n = nodes(&["n1"]);
    let (out, _) = run(&svc, &[(0, vec![task(1, "n1", TaskState::Running)])], &n);
    assert_eq!(
        out,
        "rollback: manually requested rollback\n\
         overall progress: rolling back update: 0 out of 1 tasks\n\
         1/1:  \n\
         overall progress: rolling back update: 1 out of 1 tasks\n\
         verify: Waiting 5 seconds to verify that tasks are stable...\n"
    );

    // Completed before convergence was seen: docker stops at once.
    svc.update_status = Some(UpdateStatus {
        state: "completed".into(),
        ..Default::default()
    });
    assert_eq!(
        Monitor::new("web").on_service(&svc, Duration::ZERO, &mut Vec::new()),
        Ok(Step::Done)
    );
}

#[test]
fn custom_monitor_period_and_rollback_message() {
    let mut svc = replicated(1);
    svc.spec.update_config = Some(UpdateConfig {
        monitor: Some(1_000_000_000),
        ..Default::default()
    });
    svc.update_status = Some(UpdateStatus {
        state: "rollback_completed".into(),
        message: "rollback completed".into(),
        ..Default::default()
    });
    let n = nodes(&["n1"]);
    let running = vec![task(1, "n1", TaskState::Running)];
    let rounds = vec![(0, running.clone()), (1, running)];
    let (out, done) = run(&svc, &rounds, &n);
    assert!(done);
    assert!(
        out.ends_with(
            "verify: Waiting 1 seconds to verify that tasks are stable...\n\
             verify: Service web converged\n\
             rollback: rollback completed\n"
        ),
        "{out}"
    );
}

#[test]
fn many_replicas_have_no_slot_lines() {
    let svc = replicated(25);
    let tasks: Vec<Task> = (1..=25)
        .map(|s| task(s, "n1", TaskState::Running))
        .collect();
    let (out, _) = run(&svc, &[(0, tasks)], &nodes(&["n1"]));
    assert_eq!(
        out,
        "overall progress: 0 out of 25 tasks\n\
         overall progress: 25 out of 25 tasks\n\
         verify: Waiting 5 seconds to verify that tasks are stable...\n"
    );
}

#[test]
fn replicated_job_completes() {
    let mut svc = replicated(0);
    svc.spec.mode = ServiceMode {
        replicated_job: Some(shoal_api::ReplicatedJob {
            max_concurrent: Some(2),
            total_completions: Some(2),
        }),
        ..Default::default()
    };
    let n = nodes(&["n1"]);
    let done = vec![
        task(0, "n1", TaskState::Complete),
        task(1, "n1", TaskState::Complete),
    ];
    let (out, finished) = run(&svc, &[(0, done)], &n);
    assert!(finished);
    assert_eq!(
        out,
        "active tasks: 0 out of 2 tasks\n\
         1/2:  \n\
         2/2:  \n\
         active tasks: 0 out of 0 tasks\n\
         job complete\n"
    );
}
