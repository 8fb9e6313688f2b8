//! Service discovery and virtual IPs on one node, with each executor, driven by the stock
//! docker CLI: from a task on an overlay network, `nslookup web` answers the service's VIP,
//! `nslookup tasks.web` every task's address, a service on another network is not visible,
//! and connections to `web` spread over its tasks through the VIP. Needs root and nftables
//! (and the machine's Docker Engine for the docker executor); CI has them, elsewhere it
//! skips, saying so.

mod common;

use common::{ensure_test_image, wait_for, Daemon, TEST_IMAGE};
use std::collections::BTreeSet;
use std::process::{Command, Output};
use std::time::Duration;

/// Runs `script` with `sh -c` inside task `task_id`: in its container (docker) or in its
/// network namespace (process).
fn in_task(executor: &str, task_id: &str, script: &str) -> Output {
    let mut cmd = match executor {
        "docker" => {
            let mut c = Command::new("docker");
            let out = Command::new("docker")
                .env_remove("DOCKER_HOST")
                .args([
                    "ps",
                    "-q",
                    "--filter",
                    &format!("label=com.docker.swarm.task.id={task_id}"),
                ])
                .output()
                .expect("docker ps");
            let container = String::from_utf8_lossy(&out.stdout).trim().to_string();
            c.env_remove("DOCKER_HOST").args(["exec", &container]);
            c
        }
        _ => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", &format!("shl-{task_id}")]);
            c
        }
    };
    // Busybox's applets in both (the host's own nslookup may differ or be missing).
    let script = match executor {
        "docker" => script.to_string(),
        _ => script
            .replace("nslookup ", "busybox nslookup ")
            .replace("nc ", "busybox nc "),
    };
    cmd.args(["sh", "-c", &script])
        .output()
        .expect("exec in task")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The addresses an nslookup printed for the name (after the server's own lines).
fn looked_up(out: &str) -> BTreeSet<String> {
    out.split("Name:")
        .skip(1)
        .flat_map(|block| block.lines().filter_map(|l| l.strip_prefix("Address:")))
        .map(|a| a.split_whitespace().next().unwrap_or_default().to_string())
        .collect()
}

fn discovery(executor: &str, pool: &str) {
    let name = format!("service_discovery_{executor}");
    if (executor == "docker" && common::skip_without_docker(&name))
        || shoal_testbed::prereq::skip_without_nftables(&name)
    {
        return;
    }
    ensure_test_image();
    let d = Daemon::start(executor);
    d.docker_ok(&["swarm", "init", "--default-addr-pool", pool]);
    d.docker_ok(&["network", "create", "-d", "overlay", "appnet"]);
    d.docker_ok(&["network", "create", "-d", "overlay", "other"]);
    let (httpd, who) = match executor {
        "docker" => ("httpd", "hostname -i"),
        _ => ("busybox httpd", "hostname -I"),
    };
    let web = format!("d=$(mktemp -d 2>/dev/null || echo /www) && mkdir -p $d && {who} > $d/index.html && exec {httpd} -f -p 80 -h $d");
    d.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "web",
        "--network",
        "appnet",
        "--replicas",
        "2",
        TEST_IMAGE,
        "sh",
        "-c",
        &web,
    ]);
    d.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "hidden",
        "--network",
        "other",
        TEST_IMAGE,
        "sleep",
        "100000",
    ]);
    d.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "client",
        "--network",
        "appnet",
        TEST_IMAGE,
        "sleep",
        "100000",
    ]);
    d.wait_running("web", 2);
    d.wait_running("hidden", 1);
    d.wait_running("client", 1);
    let client = d.running_tasks("client")[0]["ID"]
        .as_str()
        .unwrap()
        .to_string();
    let vip = d.get_json("/services/web")["Endpoint"]["VirtualIPs"][0]["Addr"]
        .as_str()
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let tasks = common::task_addresses(&d, "web");
    assert_eq!(tasks.len(), 2, "{tasks:?}");

    // The name answers within a view update of the tasks' start.
    let mut last = String::new();
    wait_for(
        "web resolving to its VIP from the client",
        Duration::from_secs(30),
        || {
            last = text(&in_task(executor, &client, "nslookup web"));
            looked_up(&last) == BTreeSet::from([vip.clone()])
        },
    );
    wait_for(
        "tasks.web resolving to both tasks",
        Duration::from_secs(30),
        || {
            last = text(&in_task(executor, &client, "nslookup tasks.web"));
            looked_up(&last) == tasks
        },
    );
    let hidden = in_task(executor, &client, "nslookup hidden");
    assert!(
        looked_up(&text(&hidden)).is_empty(),
        "a service on another network is not visible: {}",
        text(&hidden)
    );

    // Through the VIP: connections spread over both tasks.
    let mut seen = BTreeSet::new();
    wait_for(
        "both tasks answering through the VIP",
        Duration::from_secs(30),
        || {
            let o = in_task(executor, &client, &common::nc_get("web", 80));
            let who = String::from_utf8_lossy(&o.stdout).trim().to_string();
            if tasks.contains(&who) {
                seen.insert(who);
            }
            seen == tasks
        },
    );
}

#[test]
fn with_the_process_executor_tasks_find_services_by_name_and_reach_them_through_the_vip() {
    discovery("process", "10.235.0.0/16");
}

#[test]
fn with_the_docker_executor_tasks_find_services_by_name_and_reach_them_through_the_vip() {
    discovery("docker", "10.236.0.0/16");
}
