//! Rolling updates and global mode through the stock docker CLI (process executor): a
//! failing update that rolls back by itself, a start-first update, a paused update resumed
//! by `service rollback`, and a global service following nodes as they join, drain and come
//! back.

mod common;

use common::{output_text, rows, wait_for, Daemon};
use serde_json::Value;
use std::time::Duration;

fn args_of(d: &Daemon, service: &str) -> Value {
    d.get_json(&format!("/services/{service}"))["Spec"]["TaskTemplate"]["ContainerSpec"]["Args"]
        .clone()
}

fn update_state(d: &Daemon, service: &str) -> String {
    d.get_json(&format!("/services/{service}"))["UpdateStatus"]["State"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Running tasks of the service, as their arguments joined by spaces.
fn running_args(d: &Daemon, service: &str) -> Vec<String> {
    d.running_tasks(service)
        .iter()
        .map(|t| {
            t["Spec"]["ContainerSpec"]["Args"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default()
        })
        .collect()
}

#[test]
fn failing_update_rolls_back_by_itself_and_start_first_completes() {
    let d = Daemon::start("process");
    d.shoal_ok(&["swarm", "init"]);
    d.docker_ok(&["swarm", "update", "--task-history-limit", "2"]);
    d.docker_ok(&[
        "service",
        "create",
        "--name",
        "web",
        "--replicas",
        "3",
        "--update-failure-action",
        "rollback",
        "--update-monitor",
        "2s",
        "--rollback-monitor",
        "1s",
        "--stop-grace-period",
        "1s",
        "busybox",
        "sleep",
        "100000",
    ]);
    d.wait_running("web", 3);

    // The new tasks exit at once: the update rolls back without anyone asking. The CLI
    // follows it and reports the rollback.
    let out = d.docker(&["service", "update", "--args", "sh -c 'exit 3'", "web"]);
    let text = output_text(&out);
    assert!(
        text.contains("update rolled back due to failure or early termination of task"),
        "{text}"
    );
    wait_for("rollback completed", Duration::from_secs(30), || {
        update_state(&d, "web") == "rollback_completed"
    });
    assert_eq!(args_of(&d, "web"), serde_json::json!(["sleep", "100000"]));
    d.wait_running("web", 3);
    assert!(running_args(&d, "web").iter().all(|a| a == "sleep 100000"));
    let inspect = d.docker_ok(&["service", "inspect", "--pretty", "web"]);
    assert!(inspect.contains("rollback_completed"), "{inspect}");

    // Start-first: the new task runs before the old one stops; the update completes.
    d.docker_ok(&[
        "service",
        "update",
        "--update-order",
        "start-first",
        "--update-parallelism",
        "2",
        "--update-monitor",
        "1s",
        "--args",
        "sleep 99999",
        "web",
    ]);
    wait_for(
        "start-first update completed",
        Duration::from_secs(30),
        || update_state(&d, "web") == "completed",
    );
    assert_eq!(running_args(&d, "web"), vec!["sleep 99999"; 3]);

    // With the default failure action the update pauses; `service rollback` recovers.
    let out = d.docker(&[
        "service",
        "update",
        "--update-failure-action",
        "pause",
        "--args",
        "sh -c 'exit 4'",
        "web",
    ]);
    assert!(!out.status.success(), "a paused update is an error");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "service update paused: update paused due to failure or early termination of task"
        ),
        "{err}"
    );
    assert_eq!(update_state(&d, "web"), "paused");
    d.docker_ok(&["service", "rollback", "web"]);
    wait_for("manual rollback completed", Duration::from_secs(30), || {
        update_state(&d, "web") == "rollback_completed"
    });
    d.wait_running("web", 3);
    assert!(running_args(&d, "web").iter().all(|a| a == "sleep 99999"));

    // `service update --rollback` is the same request; it goes back to `exit 4`'s spec,
    // which pauses as a rollback (a rollback is never rolled back).
    let out = d.docker(&["service", "update", "--rollback", "web"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "service rollback paused: rollback paused due to failure or early termination of task"
        ),
        "{err}"
    );

    // The history limit (2) holds per slot: the live task and one before it.
    wait_for(
        "history trimmed to 2 per slot",
        Duration::from_secs(30),
        || {
            let out = d.docker_ok(&["service", "ps", "web", "--format", "{{.Name}}"]);
            let mut per_slot = std::collections::BTreeMap::<String, usize>::new();
            for name in out.lines() {
                *per_slot
                    .entry(name.trim_start_matches("\\_ ").to_string())
                    .or_default() += 1;
            }
            !per_slot.is_empty() && per_slot.values().all(|n| *n <= 2)
        },
    );
    let ps = d.docker_ok(&["service", "ps", "web"]);
    assert!(ps.contains("\\_ web."), "history rows: {ps}");
}

#[test]
fn global_service_follows_nodes_joining_draining_and_coming_back() {
    let (m1, addr) = Daemon::init_manager("m1");
    m1.docker_ok(&[
        "service",
        "create",
        "--name",
        "agent",
        "--mode",
        "global",
        "--stop-grace-period",
        "1s",
        "busybox",
        "sleep",
        "100000",
    ]);
    m1.wait_running("agent", 1);
    let token = m1.shoal_ok(&["swarm", "join-token", "-q", "worker"]);
    let w1 = Daemon::start_named("process", "w1");
    let w2 = Daemon::start_named("process", "w2");
    for w in [&w1, &w2] {
        w.shoal_ok(&["swarm", "join", "--token", token.trim(), &addr]);
    }
    let hosts = |d: &Daemon| d.running_hosts("agent");
    wait_for("a task on every node", Duration::from_secs(30), || {
        hosts(&m1) == ["m1", "w1", "w2"]
    });
    let ls = rows(&m1.docker_ok(&["service", "ls"]));
    assert!(ls[1].contains(&"global".to_string()), "{ls:?}");
    assert!(ls[1].contains(&"3/3".to_string()), "{ls:?}");

    m1.docker_ok(&["node", "update", "--availability", "drain", "w1"]);
    wait_for("w1's task gone", Duration::from_secs(30), || {
        hosts(&m1) == ["m1", "w2"]
    });
    m1.docker_ok(&["node", "update", "--availability", "active", "w1"]);
    wait_for("w1 runs it again", Duration::from_secs(30), || {
        hosts(&m1) == ["m1", "w1", "w2"]
    });
    // A constraint narrows a global service to the nodes that match.
    m1.docker_ok(&[
        "service",
        "update",
        "--constraint-add",
        "node.role==worker",
        "agent",
    ]);
    wait_for("workers only", Duration::from_secs(30), || {
        hosts(&m1) == ["w1", "w2"]
    });
}

/// The same settings through the shoal CLI: a failing update rolls back by itself, and the
/// progress display says so.
#[test]
fn shoal_cli_update_settings_and_automatic_rollback() {
    let d = Daemon::start("process");
    d.shoal_ok(&["swarm", "init"]);
    d.shoal_ok(&[
        "service",
        "create",
        "--name",
        "api",
        "--replicas",
        "2",
        "--update-parallelism",
        "1",
        "--update-delay",
        "100ms",
        "--update-order",
        "start-first",
        "--update-failure-action",
        "rollback",
        "--update-monitor",
        "2s",
        "--update-max-failure-ratio",
        "0",
        "--rollback-parallelism",
        "2",
        "--rollback-monitor",
        "1s",
        "--stop-grace-period",
        "1s",
        "busybox",
        "sleep",
        "100000",
    ]);
    d.wait_running("api", 2);
    let spec = d.get_json("/services/api")["Spec"].clone();
    assert_eq!(spec["UpdateConfig"]["Order"], "start-first");
    assert_eq!(spec["UpdateConfig"]["Delay"], 100_000_000);
    assert_eq!(spec["UpdateConfig"]["FailureAction"], "rollback");
    assert_eq!(spec["RollbackConfig"]["Parallelism"], 2);
    let out = d.shoal(&["service", "update", "--args", "sh -c 'exit 5'", "api"]);
    let text = output_text(&out);
    // Start-first kept the old tasks running, so the rollback has nothing to replace and
    // completes at once: the CLI shows whichever of `rollback_started` (with the cause) and
    // `rollback_completed` it polls first.
    assert!(
        text.contains("rollback: update rolled back due to failure or early termination")
            || text.contains("rollback: rollback completed"),
        "{text}"
    );
    assert!(text.contains("Service api converged"), "{text}");
    wait_for("rollback completed", Duration::from_secs(30), || {
        update_state(&d, "api") == "rollback_completed"
    });
    d.wait_running("api", 2);
    assert!(running_args(&d, "api").iter().all(|a| a == "sleep 100000"));
    let pretty = d.shoal_ok(&["service", "inspect", "--pretty", "api"]);
    assert!(pretty.contains("rollback_completed"), "{pretty}");
}
