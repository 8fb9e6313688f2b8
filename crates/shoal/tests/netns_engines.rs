//! A test bed whose nodes have Docker Engines of their own (`TestBed::swarm_with_engines`):
//! each node is a network namespace with its own address and its own `dockerd`, and its
//! daemon runs with `--executor docker` against that engine. A service spread one replica per
//! node runs one container in each node's engine; a worker cut off loses its data plane too
//! (its container no longer reaches the manager's address) and, once healed, the service
//! converges again, one container per engine.
//!
//! Skips, saying so, without network namespaces, dockerd or the machine's engine; fails in
//! CI instead.

mod common;

use common::testbed::{skip_without_engines, Engine, TestBed};
use common::{ensure_test_image, wait_for, TEST_IMAGE};
use std::time::Duration;

/// Ids of the running containers of service `service` in `engine`.
fn containers(engine: &Engine, service: &str) -> Vec<String> {
    engine
        .docker(&[
            "ps",
            "-q",
            "--filter",
            &format!("label=com.docker.swarm.service.name={service}"),
        ])
        .unwrap_or_else(|e| panic!("{e:#}"))
        .lines()
        .map(str::to_string)
        .collect()
}

/// Whether the container `id` in `engine` gets an answer to one ping of `ip` within 1 s.
fn reaches(engine: &Engine, id: &str, ip: &str) -> bool {
    engine
        .docker(&["exec", id, "ping", "-c", "1", "-W", "1", ip])
        .is_ok()
}

#[test]
fn each_node_runs_its_replica_in_its_own_engine_and_a_cut_worker_comes_back() {
    let test = "each_node_runs_its_replica_in_its_own_engine_and_a_cut_worker_comes_back";
    if skip_without_engines(test) {
        return;
    }
    ensure_test_image();
    let bed = TestBed::swarm_with_engines(1, 1);
    let (m1, w1) = (&bed["m1"], &bed["w1"]);
    let (em, ew) = (
        m1.engine().expect("m1's engine"),
        w1.engine().expect("w1's engine"),
    );
    assert_ne!(em.host(), ew.host());

    m1.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "web",
        "--replicas",
        "2",
        "--replicas-max-per-node",
        "1",
        TEST_IMAGE,
        "sleep",
        "100000",
    ]);
    m1.wait_running("web", 2);
    for (h, e) in [("m1", em), ("w1", ew)] {
        wait_for(
            &format!("one container of web in {h}'s engine"),
            Duration::from_secs(30),
            || containers(e, "web").len() == 1,
        );
        let id = &containers(e, "web")[0];
        let node_id = bed[h].get_json("/info")["Swarm"]["NodeID"]
            .as_str()
            .expect("NodeID")
            .to_string();
        let label = e
            .docker(&[
                "inspect",
                "--format",
                "{{index .Config.Labels \"com.docker.swarm.node.id\"}}",
                id,
            ])
            .unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(label, node_id, "{h}'s container belongs to {h}");
    }
    // The machine's own engine runs none of them.
    let host_ps = std::process::Command::new("docker")
        .args([
            "ps",
            "-q",
            "--filter",
            "label=com.docker.swarm.service.name=web",
        ])
        .env_remove("DOCKER_HOST")
        .output()
        .expect("docker ps");
    for id in containers(em, "web").iter().chain(&containers(ew, "web")) {
        assert!(
            !String::from_utf8_lossy(&host_ps.stdout).contains(&id[..12]),
            "container {id} shows in the machine's engine"
        );
    }

    // The data plane: w1's container reaches m1's address through w1's link.
    let wc = containers(ew, "web").remove(0);
    wait_for(
        "w1's container to reach m1's address",
        Duration::from_secs(30),
        || reaches(ew, &wc, &m1.ip),
    );

    bed.cut("w1");
    assert!(
        !reaches(ew, &wc, &m1.ip),
        "w1's container still reaches m1 with w1's link cut"
    );
    wait_for("m1 to see w1 down", Duration::from_secs(30), || {
        common::testbed::node_states(m1)
            .iter()
            .any(|(h, s, ..)| h == "w1" && s == "down")
    });

    bed.heal("w1");
    wait_for("m1 to see w1 ready", Duration::from_secs(30), || {
        common::testbed::node_states(m1)
            .iter()
            .any(|(h, s, ..)| h == "w1" && s == "ready")
    });
    m1.wait_running("web", 2);
    for (h, e) in [("m1", em), ("w1", ew)] {
        wait_for(
            &format!("exactly one container of web in {h}'s engine after the heal"),
            Duration::from_secs(60),
            || containers(e, "web").len() == 1,
        );
    }
    let wc = containers(ew, "web").remove(0);
    wait_for(
        "w1's container to reach m1's address again",
        Duration::from_secs(30),
        || reaches(ew, &wc, &m1.ip),
    );
}
