//! Swarm secrets end to end, with the stock docker CLI and the shoal CLI: create (data from
//! stdin and from a file), list, inspect without data, duplicate names refused, label-only
//! updates, removal, and secrets surviving a kill -9 of the daemon.

mod common;

use common::{rows, wait_for, Daemon, SHOAL};
use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// Runs `program args` against `d` with `input` on stdin.
fn with_stdin(d: &Daemon, program: &str, args: &[&str], input: &[u8]) -> Output {
    let mut cmd = Command::new(program);
    if program == "docker" {
        cmd.env("DOCKER_HOST", d.host())
            .env_remove("DOCKER_CONTEXT");
    } else {
        cmd.args(["-H", &d.host()]);
    }
    let mut child = cmd
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn CLI");
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().expect("CLI output")
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn err(out: Output) -> String {
    assert!(!out.status.success(), "should have failed");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn secrets_with_docker_and_shoal_clis_survive_kill_9() {
    let mut d = Daemon::start("process");
    d.docker_ok(&["swarm", "init"]);

    // Created from stdin by both CLIs, and from a file by shoal.
    let id1 = ok(with_stdin(
        &d,
        "docker",
        &[
            "secret",
            "create",
            "--label",
            "env=prod",
            "db_password",
            "-",
        ],
        b"s3cr3t\n",
    ));
    let id2 = ok(with_stdin(
        &d,
        SHOAL,
        &["secret", "create", "api.key", "-"],
        b"k",
    ));
    let file = d.dir().join("tls.pem");
    std::fs::write(&file, b"-----BEGIN-----").unwrap();
    let id3 = d
        .shoal_ok(&["secret", "create", "tls", file.to_str().unwrap()])
        .trim()
        .to_string();
    assert_eq!(id1.len(), 25, "{id1}");
    assert!(id2 != id1 && id3 != id1 && id3 != id2);

    // Duplicate names, bad names and empty data are refused with Docker's words.
    let dup = err(with_stdin(
        &d,
        "docker",
        &["secret", "create", "tls", "-"],
        b"x",
    ));
    assert!(
        dup.contains("rpc error: code = AlreadyExists desc = secret tls already exists"),
        "{dup}"
    );
    let dup = err(with_stdin(
        &d,
        SHOAL,
        &["secret", "create", "tls", "-"],
        b"x",
    ));
    assert!(dup.contains("secret tls already exists"), "{dup}");
    let bad = err(with_stdin(
        &d,
        "docker",
        &["secret", "create", "bad/name", "-"],
        b"x",
    ));
    assert!(
        bad.contains("invalid name, only 64 [a-zA-Z0-9-_.] characters"),
        "{bad}"
    );
    let empty = err(with_stdin(
        &d,
        SHOAL,
        &["secret", "create", "empty", "-"],
        b"",
    ));
    assert!(
        empty.contains("secret data must be larger than 0 and less than 512000 bytes"),
        "{empty}"
    );

    // Lists: sorted by name, docker's columns, quiet and filters.
    for cli in ["docker", "shoal"] {
        let run = |args: &[&str]| {
            if cli == "docker" {
                d.docker_ok(args)
            } else {
                d.shoal_ok(args)
            }
        };
        let table = rows(&run(&["secret", "ls"]));
        assert_eq!(
            table[0],
            ["ID", "NAME", "DRIVER", "CREATED", "UPDATED"],
            "{cli}"
        );
        let names: Vec<&str> = table[1..].iter().map(|r| r[1].as_str()).collect();
        assert_eq!(names, ["api.key", "db_password", "tls"], "{cli}");
        assert_eq!(
            run(&["secret", "ls", "-q", "--filter", "label=env=prod"]).trim(),
            id1,
            "{cli}"
        );
        assert_eq!(
            run(&["secret", "ls", "--format", "{{.Name}}", "-f", "name=db"]).trim(),
            "db_password",
            "{cli}"
        );
    }

    // Inspect never shows the data.
    let raw = d.docker_ok(&["secret", "inspect", "db_password"]);
    let v: serde_json::Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(v[0]["ID"], id1.as_str());
    assert_eq!(v[0]["Spec"]["Labels"]["env"], "prod");
    assert!(v[0]["Spec"].get("Data").is_none(), "{raw}");
    assert!(!raw.contains("czNjcjN0"), "{raw}");
    let raw = d.shoal_ok(&["secret", "inspect", &id1]);
    assert!(!raw.contains("Data"), "{raw}");
    let pretty = d.shoal_ok(&["secret", "inspect", "--pretty", "db_password"]);
    assert!(
        pretty.starts_with(&format!(
            "ID:              {id1}\nName:              db_password\nLabels:\n - env=prod\n"
        )),
        "{pretty}"
    );
    let pretty = d.docker_ok(&["secret", "inspect", "--pretty", "db_password"]);
    assert!(
        pretty.contains("Name:              db_password"),
        "{pretty}"
    );
    let (status, body) = d.http(
        "GET",
        &format!(
            "/v1.47/secrets?filters={}",
            common::urlencode(r#"{"names":{"tls":true}}"#)
        ),
        None,
    );
    assert_eq!(status, 200);
    let list: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(list[0]["Spec"].get("Data").is_none(), "{body}");
    let (status, _) = d.http("GET", "/secrets/nope", None);
    assert_eq!(status, 404);

    // Updates: labels only, at the current version.
    let version = v[0]["Version"]["Index"].as_u64().unwrap();
    let path = format!("/secrets/{id1}/update?version={version}");
    let changed = r#"{"Name":"db_password","Labels":{"env":"dev"},"Data":"b3RoZXI="}"#;
    let (status, body) = d.http("POST", &path, Some(changed));
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("only updates to Labels are allowed"),
        "{body}"
    );
    let (status, body) = d.http(
        "POST",
        &path,
        Some(r#"{"Name":"db_password","Labels":{"env":"dev"}}"#),
    );
    assert_eq!(status, 200, "{body}");
    let again = d.get_json(&format!("/secrets/{id1}"));
    assert_eq!(again["Spec"]["Labels"]["env"], "dev");
    assert!(again["Version"]["Index"].as_u64().unwrap() > version);
    let (status, _) = d.http("POST", &path, Some(r#"{"Name":"db_password"}"#));
    assert_eq!(status, 500, "stale version");

    // Secrets come back after a crash, same IDs, data kept.
    let before = d.get_json("/secrets");
    d.kill();
    d.restart();
    // Reads are served from the restored state at once; writes wait for leadership.
    assert_eq!(d.get_json("/secrets"), before);
    wait_for(
        "the restarted manager to lead",
        Duration::from_secs(30),
        || d.get_json("/nodes")[0]["ManagerStatus"]["Leader"] == true,
    );
    let ids = d.shoal_ok(&["secret", "ls", "-q"]);
    let mut ids: Vec<&str> = ids.lines().collect();
    ids.sort();
    let mut want = vec![id1.as_str(), id2.as_str(), id3.as_str()];
    want.sort();
    assert_eq!(ids, want);

    // Removal: docker by name, shoal by ID; a missing one is an error.
    assert_eq!(
        d.docker_ok(&["secret", "rm", "db_password"]).trim(),
        "db_password"
    );
    assert_eq!(d.shoal_ok(&["secret", "rm", &id2]).trim(), id2);
    let gone = d.docker_err(&["secret", "rm", "db_password"]);
    assert!(gone.contains("secret db_password not found"), "{gone}");
    let gone = err(d.shoal(&["secret", "rm", "api.key"]));
    assert!(gone.contains("not found"), "{gone}");
    let names = d.docker_ok(&["secret", "ls", "--format", "{{.Name}}"]);
    assert_eq!(names.trim(), "tls");
}
