//! Conformance: the stock `docker` CLI drives a single-node shoal swarm (process executor)
//! through the whole service life cycle, and its output reads as Docker Swarm's does.

mod common;

use common::{rows, wait_for, Daemon};
use std::time::Duration;

fn env_of_running(d: &Daemon, service: &str) -> Vec<String> {
    d.running_tasks(service)
        .iter()
        .map(|t| t["Spec"]["ContainerSpec"]["Env"].to_string())
        .collect()
}

#[test]
fn docker_cli_drives_the_service_life_cycle() {
    let d = Daemon::start("process");

    let out = d.docker_ok(&["swarm", "init"]);
    assert!(out.contains("Swarm initialized: current node ("), "{out}");
    assert!(out.contains("docker swarm join --token SWMTKN-1-"), "{out}");

    let info = d.docker_ok(&[
        "info",
        "--format",
        "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}} {{.Swarm.Nodes}} {{.Swarm.Managers}}",
    ]);
    assert_eq!(info.trim(), "active true 1 1");

    let nodes = rows(&d.docker_ok(&["node", "ls"]));
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
    assert_eq!(nodes.len(), 2);
    assert!(nodes[1][0].ends_with(" *"), "{:?}", nodes[1]);
    assert_eq!(&nodes[1][1..5], ["testnode", "Ready", "Active", "Leader"]);

    // Without -d the CLI shows its progress display until the service converges.
    let out = d.docker_ok(&[
        "service",
        "create",
        "--name",
        "web",
        "--replicas",
        "3",
        "busybox",
        "sleep",
        "100000",
    ]);
    assert!(out.contains("overall progress: 3 out of 3 tasks"), "{out}");
    assert!(out.contains("verify: Service"), "{out}");
    assert_eq!(d.running_tasks("web").len(), 3);

    let ls = rows(&d.docker_ok(&["service", "ls"]));
    assert_eq!(ls[0], ["ID", "NAME", "MODE", "REPLICAS", "IMAGE", "PORTS"]);
    assert_eq!(&ls[1][1..5], ["web", "replicated", "3/3", "busybox:latest"]);

    let ps = rows(&d.docker_ok(&["service", "ps", "web"]));
    assert_eq!(
        ps[0],
        [
            "ID",
            "NAME",
            "IMAGE",
            "NODE",
            "DESIRED STATE",
            "CURRENT STATE",
            "ERROR",
            "PORTS"
        ]
    );
    let mut names: Vec<&str> = ps[1..].iter().map(|r| r[1].as_str()).collect();
    names.sort();
    assert_eq!(names, ["web.1", "web.2", "web.3"]);
    for r in &ps[1..] {
        assert_eq!(r[3], "testnode");
        assert_eq!(r[4], "Running");
        assert!(r[5].starts_with("Running "), "{r:?}");
    }

    let pretty = d.docker_ok(&["service", "inspect", "--pretty", "web"]);
    assert!(pretty.contains("Name:\t\tweb"), "{pretty}");
    assert!(pretty.contains("Replicas:\t3"), "{pretty}");
    assert!(pretty.contains("Args:\t\tsleep 100000"), "{pretty}");

    let out = d.docker_ok(&["service", "scale", "-d", "web=5"]);
    assert!(out.contains("web scaled to 5"), "{out}");
    d.wait_running("web", 5);

    d.docker_ok(&["service", "update", "-d", "--env-add", "COLOUR=blue", "web"]);
    wait_for(
        "every task to have the new env",
        Duration::from_secs(60),
        || {
            let envs = env_of_running(&d, "web");
            envs.len() == 5 && envs.iter().all(|e| e.contains("COLOUR=blue"))
        },
    );

    d.docker_ok(&["service", "update", "-d", "--image", "busybox:1.36", "web"]);
    wait_for(
        "every task to run the new image",
        Duration::from_secs(60),
        || {
            let ts = d.running_tasks("web");
            ts.len() == 5
                && ts
                    .iter()
                    .all(|t| t["Spec"]["ContainerSpec"]["Image"] == "busybox:1.36")
        },
    );
    let ls = rows(&d.docker_ok(&["service", "ls"]));
    assert_eq!(ls[1][4], "busybox:1.36");

    // Rollback returns to the spec before the image change (the env stays).
    d.docker_ok(&["service", "rollback", "-d", "web"]);
    wait_for("the rollback to converge", Duration::from_secs(60), || {
        let ts = d.running_tasks("web");
        ts.len() == 5
            && ts.iter().all(|t| {
                t["Spec"]["ContainerSpec"]["Image"] == "busybox:latest"
                    && t["Spec"]["ContainerSpec"]["Env"]
                        .to_string()
                        .contains("COLOUR=blue")
            })
    });
    let history = rows(&d.docker_ok(&["service", "ps", "web"]));
    assert!(
        history.iter().any(|r| r[1].starts_with("\\_ web.")),
        "service ps shows the replaced tasks as history: {history:?}"
    );

    assert_eq!(d.docker_ok(&["service", "rm", "web"]).trim(), "web");
    assert_eq!(rows(&d.docker_ok(&["service", "ls"])).len(), 1);
    wait_for("the tasks to be removed", Duration::from_secs(60), || {
        d.get_json("/tasks")
            .as_array()
            .is_some_and(|a| a.is_empty())
    });

    let out = d.docker_ok(&["swarm", "leave", "--force"]);
    assert!(out.contains("Node left the swarm."), "{out}");
    let state = d.docker_ok(&["info", "--format", "{{.Swarm.LocalNodeState}}"]);
    assert_eq!(state.trim(), "inactive");
}

#[test]
fn api_speaks_dockers_wire_conventions() {
    let d = Daemon::start("process");
    let (status, body) = d.http("GET", "/_ping", None);
    assert_eq!((status, body.as_str()), (200, "OK"));
    let (status, body) = d.http("GET", "/v1.41/version", None);
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["ApiVersion"], shoal_http_api_version());
    let (status, body) = d.http("GET", "/v1.99/version", None);
    assert_eq!(status, 400);
    assert!(body.contains("is too new"), "{body}");
    let (status, body) = d.http("GET", "/no/such/route", None);
    assert_eq!(
        (status, body.as_str()),
        (404, r#"{"message":"page not found"}"#)
    );
    // Not in a swarm yet: Docker's 503 and words.
    let (status, body) = d.http("GET", "/services", None);
    assert_eq!(status, 503);
    assert!(body.contains("This node is not a swarm manager."), "{body}");
}

fn shoal_http_api_version() -> &'static str {
    "1.47"
}
