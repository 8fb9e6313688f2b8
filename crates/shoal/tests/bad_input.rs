//! Bad input gets Docker's error and changes nothing.

mod common;

use common::{urlencode, Daemon};

fn snapshot(d: &Daemon) -> String {
    format!("{}{}", d.get_json("/services"), d.get_json("/nodes"))
}

fn service_body(name: &str, replicas: &str, extra: &str) -> String {
    format!(
        r#"{{"Name":"{name}","TaskTemplate":{{"ContainerSpec":{{"Image":"busybox","Args":["sleep","100000"]}}{extra}}},"Mode":{{"Replicated":{{"Replicas":{replicas}}}}}}}"#
    )
}

#[test]
fn bad_input_is_refused_with_dockers_words_and_changes_nothing() {
    let d = Daemon::start("process");
    d.docker_ok(&["swarm", "init"]);
    d.docker_ok(&[
        "service", "create", "-d", "--name", "web", "busybox", "sleep", "100000",
    ]);
    d.wait_running("web", 1);
    let before = snapshot(&d);

    // Unknown service.
    let err = d.docker_err(&["service", "inspect", "nosuch"]);
    assert!(
        err.to_lowercase().contains("no such service: nosuch"),
        "{err}"
    );
    let err = d.docker_err(&["service", "rm", "nosuch"]);
    assert!(err.contains("service nosuch not found"), "{err}");
    let err = d.docker_err(&["service", "scale", "nosuch=2"]);
    assert!(err.contains("nosuch"), "{err}");
    let (status, body) = d.http("GET", "/services/nosuch", None);
    assert_eq!(status, 404);
    assert_eq!(body, r#"{"message":"service nosuch not found"}"#);

    // Duplicate name.
    let err = d.docker_err(&[
        "service", "create", "-d", "--name", "web", "busybox", "true",
    ]);
    assert!(
        err.contains("rpc error: code = AlreadyExists desc = name conflicts with an existing object: service web already exists"),
        "{err}"
    );

    // Stale version.
    let svc = d.get_json("/services/web");
    let id = svc["ID"].as_str().unwrap().to_string();
    let version = svc["Version"]["Index"].as_u64().unwrap();
    let (status, body) = d.http(
        "POST",
        &format!("/services/{id}/update?version={}", version - 1),
        Some(&service_body("web", "4", "")),
    );
    assert_eq!(status, 500, "{body}");
    assert!(body.contains("update out of sequence"), "{body}");

    // Invalid replicas: the CLI refuses; the API refuses the JSON.
    let err = d.docker_err(&[
        "service",
        "create",
        "--name",
        "neg",
        "--replicas",
        "-1",
        "busybox",
    ]);
    assert!(err.contains("--replicas"), "{err}");
    let (status, body) = d.http(
        "POST",
        "/services/create",
        Some(&service_body("neg", "-1", "")),
    );
    assert_eq!(status, 400, "{body}");

    // Unknown flag values.
    let err = d.docker_err(&[
        "service",
        "create",
        "--name",
        "x",
        "--restart-condition",
        "sometimes",
        "busybox",
    ]);
    assert!(
        err.contains("sometimes") || err.contains("restart"),
        "{err}"
    );
    let (status, _) = d.http(
        "POST",
        "/services/create",
        Some(&service_body(
            "x",
            "1",
            r#","RestartPolicy":{"Condition":"sometimes"}"#,
        )),
    );
    assert_eq!(status, 400);

    // Invalid names and missing images.
    let (status, body) = d.http(
        "POST",
        "/services/create",
        Some(&service_body("bad_name!", "1", "")),
    );
    assert_eq!(status, 400);
    assert!(body.contains("InvalidArgument"), "{body}");
    let (status, body) = d.http(
        "POST",
        "/services/create",
        Some(r#"{"Name":"noimage","TaskTemplate":{"ContainerSpec":{}}}"#),
    );
    assert_eq!(status, 400);
    assert!(body.contains("image reference must be provided"), "{body}");

    // Bad filters.
    let (status, body) = d.http(
        "GET",
        &format!(
            "/services?filters={}",
            urlencode(r#"{"colour":{"red":true}}"#)
        ),
        None,
    );
    assert_eq!(
        (status, body.as_str()),
        (400, r#"{"message":"invalid filter 'colour'"}"#)
    );

    // Unknown node; removing the last manager.
    let err = d.docker_err(&["node", "update", "--availability", "drain", "nosuch"]);
    assert!(err.contains("nosuch"), "{err}");
    let err = d.docker_err(&["node", "rm", "testnode"]);
    assert!(err.contains("must be demoted"), "{err}");

    // A second init is refused.
    let err = d.docker_err(&["swarm", "init"]);
    assert!(
        err.contains("This node is already part of a swarm."),
        "{err}"
    );

    assert_eq!(snapshot(&d), before, "refused requests changed nothing");
}
