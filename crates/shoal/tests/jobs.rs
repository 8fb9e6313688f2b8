//! Jobs end to end through the stock docker CLI (process executor): a replicated job runs
//! its completions at most max-concurrent at a time and the CLI waits for it, `service ls`
//! shows `running/desired (completed/total completed)`, completed tasks are never restarted,
//! `service update --force` runs the job again, a global job runs once per node, and update
//! settings on a job are refused with swarmkit's words.

mod common;

use common::{wait_for, Daemon};
use std::time::Duration;

/// `service ps` rows of the service as `(desired, current)` state words.
fn states(d: &Daemon, service: &str) -> Vec<(String, String)> {
    d.docker_ok(&[
        "service",
        "ps",
        service,
        "--format",
        "{{.DesiredState}}|{{.CurrentState}}",
    ])
    .lines()
    .map(|l| {
        let (a, b) = l.split_once('|').unwrap_or((l, ""));
        (a.to_string(), b.split(' ').next().unwrap_or("").to_string())
    })
    .collect()
}

fn ls_line(d: &Daemon, service: &str) -> String {
    d.docker_ok(&[
        "service",
        "ls",
        "--filter",
        &format!("name={service}"),
        "--format",
        "{{.Mode}}|{{.Replicas}}",
    ])
    .trim()
    .to_string()
}

#[test]
fn replicated_and_global_jobs_through_the_docker_cli() {
    let d = Daemon::start("process");
    d.shoal_ok(&["swarm", "init"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("runs");
    // Each run appends a line, so the file counts executions (completed tasks rerun would
    // show up here too).
    let script = format!("echo run >> {}", log.display());

    // Without -d the CLI follows the job until every completion is done.
    let out = d.docker_ok(&[
        "service",
        "create",
        "--name",
        "batch",
        "--mode",
        "replicated-job",
        "--replicas",
        "4",
        "--max-concurrent",
        "2",
        "busybox",
        "sh",
        "-c",
        &script,
    ]);
    assert!(!out.trim().is_empty(), "service id printed");
    wait_for("4 completions", Duration::from_secs(30), || {
        ls_line(&d, "batch") == "replicated job|0/0 (4/4 completed)"
    });
    let runs = || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .count()
    };
    assert_eq!(runs(), 4);
    let st = states(&d, "batch");
    assert_eq!(st.len(), 4, "{st:?}");
    assert!(
        st.iter()
            .all(|(want, now)| want == "Complete" && now == "Complete"),
        "{st:?}"
    );
    let svc = d.get_json("/services/batch");
    assert_eq!(svc["Spec"]["Mode"]["ReplicatedJob"]["MaxConcurrent"], 2);
    assert_eq!(svc["Spec"]["Mode"]["ReplicatedJob"]["TotalCompletions"], 4);
    assert_eq!(svc["JobStatus"]["JobIteration"]["Index"], 0);

    // An update runs the job again: a new iteration, four more runs.
    d.docker_ok(&["service", "update", "--force", "batch"]);
    wait_for("the rerun", Duration::from_secs(30), || {
        ls_line(&d, "batch") == "replicated job|0/0 (4/4 completed)" && runs() == 8
    });
    assert_eq!(
        d.get_json("/services/batch")["JobStatus"]["JobIteration"]["Index"],
        1
    );

    // A global job: once on the one node.
    d.docker_ok(&[
        "service",
        "create",
        "--name",
        "sweep",
        "--mode",
        "global-job",
        "busybox",
        "true",
    ]);
    wait_for("the global job", Duration::from_secs(30), || {
        ls_line(&d, "sweep") == "global job|0/0 (1/1 completed)"
    });
    assert_eq!(states(&d, "sweep").len(), 1);

    // A job never takes update settings (swarmkit's refusal, through the API).
    let body = r#"{"Name":"bad","TaskTemplate":{"ContainerSpec":{"Image":"busybox"}},
        "Mode":{"ReplicatedJob":{"TotalCompletions":1}},"UpdateConfig":{"Parallelism":2}}"#;
    let (code, text) = d.http("POST", "/services/create", Some(body));
    assert_eq!(code, 400, "{text}");
    assert!(
        text.contains("Jobs may not have an update config"),
        "{text}"
    );
    let err = d.shoal(&[
        "service",
        "create",
        "--mode",
        "replicated-job",
        "--update-parallelism",
        "2",
        "busybox",
        "true",
    ]);
    assert!(!err.status.success());
    assert!(d.docker_ok(&["service", "ls", "-q"]).lines().count() == 2);

    // The shoal CLI follows a job the same way and lists it alike.
    d.shoal_ok(&[
        "service",
        "create",
        "--name",
        "pair",
        "--mode",
        "replicated-job",
        "--replicas",
        "2",
        "busybox",
        "true",
    ]);
    wait_for("shoal's job", Duration::from_secs(30), || {
        let out = d.shoal_ok(&["service", "ls", "--filter", "name=pair"]);
        out.contains("replicated job") && out.contains("0/0 (2/2 completed)")
    });
}
