//! The docker executor end to end against the machine's Docker Engine: containers named
//! and labelled as Swarm does, exit codes, missing images, adoption after a daemon crash.
//! Skips (saying so) where no engine answers; on CI machines the engine is there.

mod common;

use common::{ensure_test_image, wait_for, Daemon, TEST_IMAGE};
use std::process::Command;
use std::time::Duration;

fn engine(args: &[&str]) -> String {
    let out = Command::new("docker")
        .args(args)
        .env_remove("DOCKER_HOST")
        .output()
        .expect("docker");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn containers_of(node_id: &str) -> Vec<String> {
    engine(&[
        "ps",
        "-q",
        "--no-trunc",
        "--filter",
        &format!("label=com.docker.swarm.node.id={node_id}"),
    ])
    .lines()
    .map(str::to_string)
    .collect()
}

fn setup() -> Option<Daemon> {
    if common::skip_without_docker(std::thread::current().name().unwrap_or("docker_executor")) {
        return None;
    }
    ensure_test_image();
    let d = Daemon::start("docker");
    d.docker_ok(&["swarm", "init"]);
    Some(d)
}

#[test]
fn containers_are_named_and_labelled_like_swarms_and_adopted_after_a_crash() {
    let Some(mut d) = setup() else { return };
    let node_id = d.get_json("/info")["Swarm"]["NodeID"]
        .as_str()
        .unwrap()
        .to_string();
    d.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "web",
        "--replicas",
        "2",
        "--env",
        "GREETING=hi",
        TEST_IMAGE,
        "sleep",
        "100000",
    ]);
    d.wait_running("web", 2);
    let ids = containers_of(&node_id);
    assert_eq!(ids.len(), 2);
    for task in d.running_tasks("web") {
        let tid = task["ID"].as_str().unwrap();
        let name = format!("web.{}.{}", task["Slot"], tid);
        let labels = engine(&["inspect", "--format", "{{json .Config.Labels}}", &name]);
        let labels: serde_json::Value = serde_json::from_str(&labels).expect(&name);
        assert_eq!(labels["com.docker.swarm.task.id"], tid);
        assert_eq!(labels["com.docker.swarm.service.name"], "web");
        assert_eq!(labels["com.docker.swarm.task.name"], name);
        assert_eq!(labels["com.docker.swarm.node.id"], node_id.as_str());
        let env = engine(&["inspect", "--format", "{{json .Config.Env}}", &name]);
        assert!(env.contains("GREETING=hi"), "{env}");
    }

    d.kill();
    d.restart();
    d.wait_running("web", 2);
    let mut after = containers_of(&node_id);
    let mut before = ids.clone();
    after.sort();
    before.sort();
    assert_eq!(after, before, "the same containers, adopted, no duplicates");

    d.docker_ok(&["swarm", "leave", "--force"]);
    wait_for(
        "containers to be removed on leave",
        Duration::from_secs(60),
        || {
            engine(&[
                "ps",
                "-aq",
                "--filter",
                &format!("label=com.docker.swarm.node.id={node_id}"),
            ])
            .trim()
            .is_empty()
        },
    );
}

#[test]
fn exit_codes_and_missing_images_set_the_task_state() {
    let Some(d) = setup() else { return };
    d.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "fails",
        "--restart-condition",
        "none",
        TEST_IMAGE,
        "sh",
        "-c",
        "exit 3",
    ]);
    d.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "done",
        "--restart-condition",
        "none",
        TEST_IMAGE,
        "true",
    ]);
    d.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "ghost",
        "nosuch:latest",
    ]);
    let task_of = |svc: &str| {
        let f = common::urlencode(&format!(r#"{{"service":{{"{svc}":true}}}}"#));
        d.get_json(&format!("/tasks?filters={f}"))
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    wait_for("the failing task to fail", Duration::from_secs(60), || {
        task_of("fails")
            .iter()
            .any(|t| t["Status"]["State"] == "failed")
    });
    let t = &task_of("fails")[0];
    assert_eq!(t["Status"]["Err"], "task: non-zero exit (3)");
    assert_eq!(t["Status"]["ContainerStatus"]["ExitCode"], 3);
    wait_for(
        "the finished task to complete",
        Duration::from_secs(60),
        || {
            task_of("done")
                .iter()
                .any(|t| t["Status"]["State"] == "complete")
        },
    );
    wait_for(
        "the missing image to be rejected",
        Duration::from_secs(60),
        || {
            task_of("ghost")
                .iter()
                .any(|t| t["Status"]["State"] == "rejected")
        },
    );
    let rejected: Vec<_> = task_of("ghost")
        .into_iter()
        .filter(|t| t["Status"]["State"] == "rejected")
        .collect();
    assert_eq!(rejected[0]["Status"]["Err"], "No such image: nosuch:latest");
    let ps = d.docker_ok(&["service", "ps", "--no-trunc", "ghost"]);
    assert!(ps.contains("No such image: nosuch:latest"), "{ps}");
}
