//! Harness tests of the job orchestrators: replicated jobs run `TotalCompletions` tasks to
//! completion at most `MaxConcurrent` at a time, global jobs once per eligible node; completed
//! tasks are never restarted, failed ones are under the restart policy, and an update runs
//! the job again.

use shoal_api::{
    Availability, NodeState, ReplicatedJob, RestartCondition, RestartPolicy, ServiceMode, TaskState,
};
use shoal_core::status::service_status;
use shoal_testkit::Harness;
use std::collections::BTreeSet;

fn replicated_job(h: &mut Harness, name: &str, max: u64, total: u64) -> String {
    let mode = ServiceMode {
        replicated_job: Some(ReplicatedJob {
            max_concurrent: Some(max),
            total_completions: Some(total),
        }),
        ..Default::default()
    };
    h.create_service(Harness::spec(name, mode))
}

fn global_job(h: &mut Harness, name: &str) -> String {
    let mode = ServiceMode {
        global_job: Some(serde_json::json!({})),
        ..Default::default()
    };
    h.create_service(Harness::spec(name, mode))
}

/// Tasks of the service's current iteration that are still meant to run and have not ended.
fn unfinished(h: &Harness, s: &str) -> Vec<String> {
    h.tasks_of(s)
        .into_iter()
        .filter(|t| t.desired_state.is_runnable() && !t.status.state.is_terminal())
        .map(|t| t.id.clone())
        .collect()
}

fn completed(h: &Harness, s: &str) -> usize {
    h.tasks_of(s)
        .iter()
        .filter(|t| t.status.state == TaskState::Complete)
        .count()
}

#[test]
fn replicated_job_runs_total_completions_at_most_max_concurrent_at_a_time() {
    let mut h = Harness::new();
    h.add_node("a");
    h.add_node("b");
    let s = replicated_job(&mut h, "batch", 2, 5);
    let mut slots_seen = BTreeSet::new();
    for round in 0..10 {
        h.converge();
        let running = unfinished(&h, &s);
        assert!(
            running.len() <= 2,
            "round {round}: {} running",
            running.len()
        );
        for t in h.tasks_of(&s) {
            assert_eq!(t.desired_state, TaskState::Complete);
            assert_eq!(t.job_iteration.map(|v| v.index), Some(0));
            slots_seen.insert(t.slot);
        }
        if running.is_empty() {
            break;
        }
        for id in running {
            h.end_task(&id, TaskState::Complete);
        }
    }
    assert_eq!(completed(&h, &s), 5);
    assert_eq!(
        h.tasks_of(&s).len(),
        5,
        "one task per completion, none restarted"
    );
    assert_eq!(slots_seen, (0..5).collect(), "slots 0..total like swarmkit");
    let st = service_status(&h.state, &h.state.services[&s]);
    assert_eq!(
        (st.running_tasks, st.desired_tasks, st.completed_tasks),
        (0, 0, 5)
    );
    // Later passes create nothing: a completed job stays completed.
    h.converge();
    assert_eq!(h.tasks_of(&s).len(), 5);
}

#[test]
fn status_counts_running_desired_and_completed() {
    let mut h = Harness::new();
    h.add_node("a");
    let s = replicated_job(&mut h, "batch", 2, 5);
    h.converge();
    let first = unfinished(&h, &s)[0].clone();
    h.end_task(&first, TaskState::Complete);
    let st = service_status(&h.state, &h.state.services[&s]);
    assert_eq!(
        (st.running_tasks, st.desired_tasks, st.completed_tasks),
        (1, 2, 1)
    );
}

#[test]
fn failed_job_task_is_restarted_in_its_slot_completed_never() {
    let mut h = Harness::new();
    h.add_node("a");
    let s = replicated_job(&mut h, "batch", 1, 2);
    h.converge();
    let first = unfinished(&h, &s)[0].clone();
    let slot = h.state.tasks[&first].slot;
    h.end_task(&first, TaskState::Failed);
    h.converge();
    let again = unfinished(&h, &s);
    assert_eq!(again.len(), 1);
    assert_ne!(again[0], first);
    assert_eq!(
        h.state.tasks[&again[0]].slot, slot,
        "restarted in the same slot"
    );
    assert_eq!(h.state.tasks[&first].desired_state, TaskState::Shutdown);
    h.end_task(&again[0], TaskState::Complete);
    h.converge();
    let last = unfinished(&h, &s);
    assert_eq!(last.len(), 1);
    assert_ne!(h.state.tasks[&last[0]].slot, slot);
    h.end_task(&last[0], TaskState::Complete);
    h.converge();
    assert_eq!(completed(&h, &s), 2);
    assert!(unfinished(&h, &s).is_empty());
}

#[test]
fn restart_condition_none_leaves_a_failed_job_unfinished() {
    let mut h = Harness::new();
    h.add_node("a");
    let mut spec = Harness::spec(
        "once",
        ServiceMode {
            replicated_job: Some(ReplicatedJob {
                max_concurrent: Some(1),
                total_completions: Some(1),
            }),
            ..Default::default()
        },
    );
    spec.task_template.restart_policy = Some(RestartPolicy {
        condition: Some(RestartCondition::None),
        ..Default::default()
    });
    let s = h.create_service(spec);
    h.converge();
    let t = unfinished(&h, &s)[0].clone();
    h.end_task(&t, TaskState::Failed);
    h.converge();
    assert_eq!(h.tasks_of(&s).len(), 1, "no restart, no new task");
    assert_eq!(completed(&h, &s), 0);
}

#[test]
fn job_task_on_a_lost_node_is_replaced() {
    let mut h = Harness::new();
    let a = h.add_node("a");
    let s = replicated_job(&mut h, "batch", 1, 1);
    h.converge();
    h.add_node("b");
    h.set_node_state(&a, NodeState::Down);
    h.converge();
    let live = unfinished(&h, &s);
    assert_eq!(live.len(), 1);
    assert_eq!(h.state.tasks[&live[0]].node_id, "node-b");
}

#[test]
fn update_starts_a_new_iteration_and_removes_the_old_ones_tasks() {
    let mut h = Harness::new();
    h.add_node("a");
    let s = replicated_job(&mut h, "batch", 2, 2);
    h.converge();
    let old = unfinished(&h, &s);
    h.end_task(&old[0], TaskState::Complete);
    h.update_service(&s, |spec| spec.task_template.force_update += 1);
    h.converge();
    assert!(
        h.state
            .tasks
            .get(&old[1])
            .is_none_or(|t| t.desired_state == TaskState::Remove),
        "the old iteration's running task is removed"
    );
    assert_eq!(
        h.state.tasks[&old[0]].status.state,
        TaskState::Complete,
        "history kept"
    );
    let new = unfinished(&h, &s);
    assert_eq!(new.len(), 2);
    for id in &new {
        assert_eq!(h.state.tasks[id].job_iteration.map(|v| v.index), Some(1));
    }
    let st = service_status(&h.state, &h.state.services[&s]);
    assert_eq!(st.completed_tasks, 0, "only the current iteration counts");
}

#[test]
fn global_job_runs_once_per_eligible_node_and_on_nodes_that_join() {
    let mut h = Harness::new();
    let a = h.add_node("a");
    h.add_node("b");
    let drained = h.add_node("c");
    h.set_availability(&drained, Availability::Drain);
    let s = global_job(&mut h, "sweep");
    h.converge();
    let nodes: BTreeSet<String> = h.tasks_of(&s).iter().map(|t| t.node_id.clone()).collect();
    assert_eq!(nodes, ["node-a", "node-b"].map(String::from).into());
    for id in unfinished(&h, &s) {
        h.end_task(&id, TaskState::Complete);
    }
    h.converge();
    assert_eq!(h.tasks_of(&s).len(), 2, "completed tasks are not rerun");
    h.add_node("d");
    h.converge();
    let on_d: Vec<_> = h
        .tasks_of(&s)
        .into_iter()
        .filter(|t| t.node_id == "node-d")
        .collect();
    assert_eq!(on_d.len(), 1);
    // A node that goes down mid-run has its task shut down and gets no new one.
    let d_task = on_d[0].id.clone();
    h.set_node_state("node-d", NodeState::Down);
    h.converge();
    assert_eq!(h.state.tasks[&d_task].desired_state, TaskState::Shutdown);
    assert_eq!(
        h.tasks_of(&s)
            .iter()
            .filter(|t| t.node_id == "node-d")
            .count(),
        1
    );
    let _ = a;
}
