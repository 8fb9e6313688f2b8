//! `service create` command lines to the JSON body sent, checked against
//! what docker/cli sends for the same flags.

use super::*;
use crate::commands::CliResult;
use clap::Parser;

#[derive(Parser)]
struct Cmd {
    #[command(flatten)]
    flags: CreateFlags,
}

fn world() -> World<'static> {
    World {
        lookup_env: &|k| (k == "HOME").then(|| "/root".to_string()),
        read_file: &|path| match path {
            "app.env" => Ok("# settings\nMODE=prod\nHOME\n".to_string()),
            _ => Err(format!("open {path}: no such file or directory")),
        },
    }
}

fn spec(args: &[&str]) -> CliResult<Value> {
    let cmd = Cmd::try_parse_from(std::iter::once("create").chain(args.iter().copied()))?;
    Ok(serde_json::to_value(create_spec(&cmd.flags, &world())?)?)
}

fn err(args: &[&str]) -> (i32, String) {
    let e = spec(args).unwrap_err();
    match e.status() {
        Some(s) => (
            s.code,
            s.message.lines().next().unwrap_or_default().to_string(),
        ),
        None => (1, e.to_string()),
    }
}

#[test]
fn minimal_service_matches_docker() {
    let got = spec(&["--name", "web", "busybox"]).unwrap();
    assert_eq!(
        got,
        json!({
            "Name": "web",
            "Labels": {},
            "TaskTemplate": {
                "ContainerSpec": {"Image": "busybox:latest", "Init": false, "DNSConfig": {}},
                "Resources": {"Limits": {}, "Reservations": {}},
                "Placement": {},
                "ForceUpdate": 0
            },
            "Mode": {"Replicated": {"Replicas": null}},
            "EndpointSpec": {"Mode": "vip"}
        })
    );
}

#[test]
fn command_args_and_flags_after_image_are_arguments() {
    let got = spec(&[
        "--name",
        "web",
        "--replicas",
        "3",
        "--entrypoint",
        "/bin/sh -c",
        "busybox",
        "sleep",
        "-d",
        "1000",
    ])
    .unwrap();
    assert_eq!(got["Mode"], json!({"Replicated": {"Replicas": 3}}));
    let cs = &got["TaskTemplate"]["ContainerSpec"];
    assert_eq!(cs["Command"], json!(["/bin/sh", "-c"]));
    assert_eq!(cs["Args"], json!(["sleep", "-d", "1000"]));
}

#[test]
fn container_fields() {
    let got = spec(&[
        "-e",
        "A=1",
        "-e",
        "HOME",
        "--env-file",
        "app.env",
        "-e",
        "MODE=dev",
        "-l",
        "tier=web",
        "--container-label",
        "c=1",
        "-w",
        "/srv",
        "-u",
        "nobody",
        "--hostname",
        "h1",
        "--stop-grace-period",
        "30s",
        "--stop-signal",
        "SIGINT",
        "-t",
        "--read-only",
        "--mount",
        "type=bind,src=/data,dst=/data,ro",
        "nginx:1.25",
    ])
    .unwrap();
    let cs = &got["TaskTemplate"]["ContainerSpec"];
    assert_eq!(cs["Env"], json!(["HOME=/root", "A=1", "MODE=dev"]));
    assert_eq!(cs["Labels"], json!({"c": "1"}));
    assert_eq!(got["Labels"], json!({"tier": "web"}));
    assert_eq!(cs["Dir"], "/srv");
    assert_eq!(cs["User"], "nobody");
    assert_eq!(cs["Hostname"], "h1");
    assert_eq!(cs["StopGracePeriod"], 30_000_000_000i64);
    assert_eq!(cs["StopSignal"], "SIGINT");
    assert_eq!(cs["TTY"], true);
    assert_eq!(cs["ReadOnly"], true);
    assert_eq!(
        cs["Mounts"],
        json!([{"Type": "bind", "Source": "/data", "Target": "/data", "ReadOnly": true}])
    );
}

#[test]
fn scheduling_and_policies() {
    let got = spec(&[
        "--mode",
        "replicated",
        "--constraint",
        "node.role==worker",
        "--placement-pref",
        "spread=node.labels.dc",
        "--replicas-max-per-node",
        "2",
        "--limit-cpu",
        "0.5",
        "--limit-memory",
        "256M",
        "--reserve-cpu",
        "0.25",
        "--reserve-memory",
        "128m",
        "--restart-condition",
        "on-failure",
        "--restart-max-attempts",
        "3",
        "--restart-window",
        "1m",
        "--update-parallelism",
        "2",
        "--update-delay",
        "10s",
        "--update-order",
        "start-first",
        "--rollback-failure-action",
        "continue",
        "--health-cmd",
        "true",
        "--health-interval",
        "2s",
        "--health-retries",
        "5",
        "-p",
        "8080:80",
        "-p",
        "published=53,target=53,protocol=udp,mode=host",
        "busybox",
    ])
    .unwrap();
    let t = &got["TaskTemplate"];
    assert_eq!(
        t["Placement"],
        json!({"Constraints": ["node.role==worker"],
               "Preferences": [{"Spread": {"SpreadDescriptor": "node.labels.dc"}}],
               "MaxReplicas": 2})
    );
    assert_eq!(
        t["Resources"],
        json!({"Limits": {"NanoCPUs": 500000000, "MemoryBytes": 268435456},
               "Reservations": {"NanoCPUs": 250000000, "MemoryBytes": 134217728}})
    );
    assert_eq!(
        t["RestartPolicy"],
        json!({"Condition": "on-failure", "MaxAttempts": 3, "Window": 60000000000i64})
    );
    assert_eq!(
        got["UpdateConfig"],
        json!({"Parallelism": 2, "Delay": 10000000000i64, "FailureAction": "pause",
               "Monitor": 5000000000i64, "MaxFailureRatio": 0, "Order": "start-first"})
    );
    assert_eq!(
        got["RollbackConfig"],
        json!({"Parallelism": 1, "FailureAction": "continue", "Monitor": 5000000000i64,
               "MaxFailureRatio": 0, "Order": "stop-first"})
    );
    assert_eq!(
        t["ContainerSpec"]["Healthcheck"],
        json!({"Test": ["CMD-SHELL", "true"], "Interval": 2000000000, "Retries": 5})
    );
    assert_eq!(
        got["EndpointSpec"],
        json!({"Mode": "vip", "Ports": [
            {"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8080, "PublishMode": "ingress"},
            {"Protocol": "udp", "TargetPort": 53, "PublishedPort": 53, "PublishMode": "host"}
        ]})
    );
}

#[test]
fn global_and_jobs() {
    let got = spec(&["--mode", "global", "busybox"]).unwrap();
    assert_eq!(got["Mode"], json!({"Global": {}}));
    let got = spec(&[
        "--mode",
        "replicated-job",
        "--replicas",
        "5",
        "--max-concurrent",
        "2",
        "busybox",
    ])
    .unwrap();
    assert_eq!(
        got["Mode"],
        json!({"ReplicatedJob": {"MaxConcurrent": 2, "TotalCompletions": 5}})
    );
}

#[test]
fn flag_errors_exit_125() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--replicas", "x", "busybox"],
            r#"invalid argument "x" for "--replicas" flag: strconv.ParseUint: parsing "x": invalid syntax"#,
        ),
        (
            &["-l", "=v", "busybox"],
            r#"invalid argument "=v" for "-l, --label" flag: invalid label '=v': empty name"#,
        ),
        (
            &["-e", "=v", "busybox"],
            r#"invalid argument "=v" for "-e, --env" flag: invalid environment variable: =v"#,
        ),
        (
            &["-p", "80:http", "busybox"],
            r#"invalid argument "80:http" for "-p, --publish" flag: invalid containerPort: http"#,
        ),
        (
            &["--mount", "src=/a", "busybox"],
            r#"invalid argument "src=/a" for "--mount" flag: target is required"#,
        ),
        (
            &["--placement-pref", "binpack=x", "busybox"],
            r#"invalid argument "binpack=x" for "--placement-pref" flag: unsupported placement preference binpack (only spread is supported)"#,
        ),
    ];
    for (args, want) in cases {
        assert_eq!(err(args), (125, want.to_string()), "{args:?}");
    }
}

#[test]
fn other_errors_exit_1() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--mode", "global", "--replicas", "2", "busybox"],
            "replicas can only be used with replicated or replicated-job mode",
        ),
        (
            &["--mode", "x", "busybox"],
            "unknown mode: x, only replicated and global supported",
        ),
        (
            &["--restart-condition", "always", "busybox"],
            "invalid RestartCondition: \"always\"",
        ),
        (
            &["--no-healthcheck", "--health-cmd", "true", "busybox"],
            "--no-healthcheck conflicts with --health-* options",
        ),
        (
            &["--mode", "global-job", "--update-delay", "1s", "busybox"],
            "update and rollback configuration is not supported for jobs",
        ),
        (
            &["--env-file", "missing.env", "busybox"],
            "open missing.env: no such file or directory",
        ),
        (
            &["--update-failure-action", "explode", "busybox"],
            "unrecognized update failure action explode",
        ),
    ];
    for (args, want) in cases {
        assert_eq!(err(args), (1, want.to_string()), "{args:?}");
    }
    let (code, msg) = (1, spec(&["--name", "web"]).unwrap_err().to_string());
    assert_eq!(code, 1);
    assert_eq!(
        msg,
        "shoal: 'shoal service create' requires at least 1 argument\n\n\
         Usage:  shoal service create [OPTIONS] IMAGE [COMMAND] [ARG...]\n\n\
         See 'shoal service create --help' for more information"
    );
}

#[test]
fn an_unknown_flag_before_the_image_is_not_an_image() {
    let e = spec(&["--name", "x", "--bogus"]).unwrap_err();
    let msg = e.to_string();
    assert!(msg.starts_with("unknown flag: --bogus"), "{msg}");
    // After the image, hyphen values belong to the command.
    let got = spec(&["busybox", "ls", "-la"]).unwrap();
    assert_eq!(
        got["TaskTemplate"]["ContainerSpec"]["Args"],
        json!(["ls", "-la"])
    );
}

#[test]
fn networks() {
    assert_eq!(parse_network("backend"), Ok(json!({"Target": "backend"})));
    assert_eq!(
        parse_network("name=backend,alias=db,alias=pg"),
        Ok(json!({"Target": "backend", "Aliases": ["db", "pg"]}))
    );
    let got = spec(&["--network", "backend", "busybox"]).unwrap();
    assert_eq!(
        got["TaskTemplate"]["Networks"],
        json!([{"Target": "backend"}])
    );
}
