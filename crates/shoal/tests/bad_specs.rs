//! Orchestration settings that make no sense are refused at create and update with Docker's
//! (or swarmkit's) words, through the docker CLI and the raw API, and change nothing:
//! malformed constraints, unknown preference kinds, negative or unparsable resources,
//! durations and ratios, a mode change, update settings on a job.

mod common;

use common::Daemon;

fn snapshot(d: &Daemon) -> String {
    d.get_json("/services").to_string()
}

/// A create body with `extra` spliced into TaskTemplate and `top` at the top level.
fn body(name: &str, task_extra: &str, top: &str) -> String {
    format!(
        r#"{{"Name":"{name}","TaskTemplate":{{"ContainerSpec":{{"Image":"busybox","Args":["sleep","100000"]}}{task_extra}}}{top}}}"#
    )
}

#[test]
fn bad_orchestration_settings_are_refused_and_change_nothing() {
    let d = Daemon::start("process");
    d.docker_ok(&["swarm", "init"]);
    d.docker_ok(&[
        "service", "create", "-d", "--name", "web", "busybox", "sleep", "100000",
    ]);
    d.wait_running("web", 1);
    let before = snapshot(&d);

    // Through the docker CLI, at create and at update.
    let cases: &[(&[&str], &str)] = &[
        (
            &["--constraint", "node.role=manager"],
            "constraint expected one operator from ==, !=",
        ),
        (
            &["--placement-pref", "pack=node.labels.dc"],
            "unsupported placement preference pack",
        ),
        (&["--limit-memory", "1k"], "invalid memory value 1024"),
        (&["--reserve-cpu", "0.0000001"], "invalid cpu value"),
        (&["--update-delay", "soon"], "invalid argument \"soon\""),
        (
            &["--update-max-failure-ratio", "1.5"],
            "update-maxfailureratio cannot be less than 0 or bigger than 1",
        ),
        (
            &["--rollback-monitor", "-1s"],
            "rollback-monitor cannot be negative",
        ),
    ];
    for (flags, want) in cases {
        let mut create = vec!["service", "create", "-d", "--name", "bad"];
        create.extend_from_slice(flags);
        create.extend_from_slice(&["busybox", "true"]);
        let err = d.docker_err(&create);
        assert!(err.contains(want), "create {flags:?}: {err}");
        let out = d.shoal(&create);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains(want),
            "shoal create {flags:?}: {err}"
        );
        let mut update = vec!["service", "update", "-d"];
        // `service update` spells the list flags with -add.
        update.extend(flags.iter().map(|f| match *f {
            "--constraint" => "--constraint-add",
            "--placement-pref" => "--placement-pref-add",
            other => other,
        }));
        update.push("web");
        let err = d.docker_err(&update);
        assert!(err.contains(want), "update {flags:?}: {err}");
    }

    // Through the API: what the CLI would never send.
    let api_cases = [
        (
            body(
                "bad",
                r#","Placement":{"Preferences":[{"Pack":{"SpreadDescriptor":"node.labels.dc"}}]}"#,
                "",
            ),
            "unsupported placement preference Pack (only spread is supported)",
        ),
        (
            body(
                "bad",
                r#","Resources":{"Limits":{"NanoCPUs":-1000000000}}"#,
                "",
            ),
            "invalid cpu value -1: Must be at least 0.001",
        ),
        (
            body("bad", "", r#","UpdateConfig":{"Delay":-5}"#),
            "TaskSpec: update-delay cannot be negative",
        ),
        (
            body("bad", "", r#","UpdateConfig":{"FailureAction":"explode"}"#),
            "unrecognized update failure action explode",
        ),
        (
            body(
                "bad",
                "",
                r#","RollbackConfig":{"FailureAction":"rollback"}"#,
            ),
            "unrecognized rollback failure action rollback",
        ),
        (
            body("bad", "", r#","UpdateConfig":{"Order":"sideways"}"#),
            "unrecognized update order sideways",
        ),
        (
            body(
                "bad",
                "",
                r#","Mode":{"ReplicatedJob":{"TotalCompletions":2}},"UpdateConfig":{"Parallelism":1}"#,
            ),
            "Jobs may not have an update config",
        ),
    ];
    for (b, want) in &api_cases {
        let (status, text) = d.http("POST", "/services/create", Some(b));
        assert_eq!(status, 400, "{b}: {text}");
        assert!(text.contains(want), "{b}: {text}");
    }

    // A mode change on an existing service.
    let err = d.docker_err(&["service", "update", "--mode", "global", "web"]);
    assert!(!err.is_empty());
    let svc = d.get_json("/services/web");
    let version = svc["Version"]["Index"].as_u64().unwrap();
    let (status, text) = d.http(
        "POST",
        &format!("/services/web/update?version={version}"),
        Some(&body("web", "", r#","Mode":{"Global":{}}"#)),
    );
    assert_eq!(status, 400, "{text}");
    assert!(
        text.contains("service mode change is not allowed"),
        "{text}"
    );

    // Engine-only commands say why they cannot work here.
    let err = d.docker_err(&["ps"]);
    assert!(err.contains("not a container engine"), "{err}");

    assert_eq!(snapshot(&d), before, "refused requests changed nothing");
}
