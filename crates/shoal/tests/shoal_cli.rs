//! The shoal CLI drives a real daemon, with both executors: the same life cycle as with the
//! docker CLI, plus `--format`, `-q` and `--filter`.

mod common;

use common::{ensure_test_image, rows, wait_for, Daemon, TEST_IMAGE};
use std::time::Duration;

fn life_cycle(d: &Daemon, image: &str) {
    let out = d.shoal_ok(&["swarm", "init"]);
    assert!(out.contains("Swarm initialized: current node ("), "{out}");
    assert!(out.contains("swarm join --token SWMTKN-1-"), "{out}");

    let nodes = rows(&d.shoal_ok(&["node", "ls"]));
    assert_eq!(
        nodes[0],
        [
            "ID",
            "HOSTNAME",
            "STATUS",
            "AVAILABILITY",
            "MANAGER STATUS",
            "ENGINE VERSION"
        ]
    );
    assert_eq!(&nodes[1][1..5], ["testnode", "Ready", "Active", "Leader"]);
    let fmt = d.shoal_ok(&["node", "ls", "--format", "{{.Hostname}} {{.ManagerStatus}}"]);
    assert_eq!(fmt.trim(), "testnode Leader");

    // The progress display runs until every slot is running.
    let out = d.shoal_ok(&[
        "service",
        "create",
        "--name",
        "web",
        "--replicas",
        "3",
        "--update-monitor",
        "1s",
        "--stop-grace-period",
        "1s",
        image,
        "sleep",
        "100000",
    ]);
    assert!(out.contains("overall progress: 3 out of 3 tasks"), "{out}");
    assert!(out.contains("converged"), "{out}");
    assert_eq!(d.running_tasks("web").len(), 3);

    let ls = rows(&d.shoal_ok(&["service", "ls"]));
    assert_eq!(ls[0], ["ID", "NAME", "MODE", "REPLICAS", "IMAGE", "PORTS"]);
    assert_eq!(&ls[1][1..4], ["web", "replicated", "3/3"]);
    let q = d.shoal_ok(&["service", "ls", "-q"]);
    assert_eq!(q.trim().len(), 12);
    let f = d.shoal_ok(&["service", "ls", "--filter", "name=nomatch", "-q"]);
    assert!(f.trim().is_empty());
    let json = d.shoal_ok(&["service", "ls", "--format", "{{json .Name}}"]);
    assert_eq!(json.trim(), "\"web\"");

    let ps = rows(&d.shoal_ok(&["service", "ps", "web"]));
    assert_eq!(ps.len(), 4, "{ps:?}");
    assert!(ps[1..]
        .iter()
        .all(|r| r[4] == "Running" && r[5].starts_with("Running")));

    let pretty = d.shoal_ok(&["service", "inspect", "--pretty", "web"]);
    assert!(pretty.contains("Replicas:\t3"), "{pretty}");
    let inspect: serde_json::Value =
        serde_json::from_str(&d.shoal_ok(&["service", "inspect", "web"])).unwrap();
    assert_eq!(inspect[0]["Spec"]["Name"], "web");

    let out = d.shoal_ok(&["service", "scale", "web=4"]);
    assert!(out.contains("web scaled to 4"), "{out}");
    assert_eq!(d.running_tasks("web").len(), 4);

    d.shoal_ok(&["service", "update", "--env-add", "COLOUR=blue", "web"]);
    let envs: Vec<String> = d
        .running_tasks("web")
        .iter()
        .map(|t| t["Spec"]["ContainerSpec"]["Env"].to_string())
        .collect();
    assert_eq!(envs.len(), 4);
    assert!(envs.iter().all(|e| e.contains("COLOUR=blue")), "{envs:?}");

    d.shoal_ok(&["service", "rollback", "web"]);
    let envs: Vec<String> = d
        .running_tasks("web")
        .iter()
        .map(|t| t["Spec"]["ContainerSpec"]["Env"].to_string())
        .collect();
    assert!(envs.iter().all(|e| !e.contains("COLOUR")), "{envs:?}");

    let err = d.shoal(&["service", "inspect", "nosuch"]);
    assert!(!err.status.success());
    assert!(String::from_utf8_lossy(&err.stderr).contains("nosuch"));

    assert_eq!(d.shoal_ok(&["service", "rm", "web"]).trim(), "web");
    wait_for("the tasks to be removed", Duration::from_secs(60), || {
        d.get_json("/tasks")
            .as_array()
            .is_some_and(|a| a.is_empty())
    });
    let info = d.shoal_ok(&["info"]);
    assert!(info.contains("Swarm: active"), "{info}");
    let out = d.shoal_ok(&["swarm", "leave", "--force"]);
    assert!(out.contains("Node left the swarm."), "{out}");
}

#[test]
fn shoal_cli_life_cycle_with_the_process_executor() {
    let d = Daemon::start("process");
    life_cycle(&d, "busybox");
}

#[test]
fn shoal_cli_life_cycle_with_the_docker_executor() {
    if common::skip_without_docker("shoal_cli_life_cycle_with_the_docker_executor") {
        return;
    }
    ensure_test_image();
    let d = Daemon::start("docker");
    life_cycle(&d, TEST_IMAGE);
}

#[test]
fn a_task_that_cannot_start_shows_its_error_in_ps_and_progress() {
    let d = Daemon::start("process");
    d.shoal_ok(&["swarm", "init"]);
    // The process executor needs a command: this task is rejected, with the reason.
    d.shoal_ok(&["service", "create", "-d", "--name", "nocmd", "busybox"]);
    wait_for("the task to be rejected", Duration::from_secs(30), || {
        d.shoal_ok(&["service", "ps", "--no-trunc", "nocmd"])
            .contains("the process executor needs a command")
    });
    let ps = d.shoal_ok(&["service", "ps", "--no-trunc", "nocmd"]);
    assert!(ps.contains("Rejected"), "{ps}");
}

#[test]
fn unnamed_services_get_a_name_and_empty_modes_one_replica() {
    let d = Daemon::start("process");
    d.shoal_ok(&["swarm", "init"]);
    let (status, body) = d.http(
        "POST",
        "/services/create",
        Some(r#"{"TaskTemplate":{"ContainerSpec":{"Image":"busybox","Args":["sleep","100004"]}},"Mode":{"Replicated":{}}}"#),
    );
    assert_eq!(status, 201, "{body}");
    let id: serde_json::Value = serde_json::from_str(&body).unwrap();
    let svc = d.get_json(&format!("/services/{}", id["ID"].as_str().unwrap()));
    let name = svc["Spec"]["Name"].as_str().unwrap().to_string();
    assert!(name.contains('_'), "{name}");
    assert_eq!(svc["Spec"]["Mode"]["Replicated"]["Replicas"], 1);
    d.wait_running(&name, 1);
}
