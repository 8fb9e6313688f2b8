//! `service update` flags applied to fixed specs.

use super::*;
use crate::commands::CliResult;
use clap::Parser;
use shoal_api::{PortConfig, RestartCondition};

#[derive(Parser)]
struct Cmd {
    #[command(flatten)]
    flags: UpdateFlags,
}

fn base() -> ServiceSpec {
    serde_json::from_value(json!({
        "Name": "web",
        "Labels": {"a": "1", "b": "2"},
        "TaskTemplate": {
            "ContainerSpec": {"Image": "busybox:1", "Args": ["sleep", "1000"], "Env": ["A=1", "B=2"]},
            "Placement": {"Constraints": ["node.role==worker"]},
            "ForceUpdate": 2
        },
        "Mode": {"Replicated": {"Replicas": 2}},
        "EndpointSpec": {"Mode": "vip", "Ports": [
            {"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8080, "PublishMode": "ingress"}
        ]}
    }))
    .unwrap()
}

fn update(spec: &mut ServiceSpec, args: &[&str]) -> CliResult {
    let cmd = Cmd::try_parse_from(std::iter::once("update").chain(args.iter().copied()))?;
    let checked = check(&cmd.flags, &|_| None)?;
    apply(spec, &cmd.flags, &checked)
}

fn updated(args: &[&str]) -> Value {
    let mut s = base();
    update(&mut s, args).unwrap();
    serde_json::to_value(s).unwrap()
}

#[test]
fn no_flags_change_nothing_but_force() {
    let mut s = base();
    update(&mut s, &["web"]).unwrap();
    assert_eq!(s, base());
    let v = updated(&["--force", "web"]);
    assert_eq!(v["TaskTemplate"]["ForceUpdate"], 3);
}

#[test]
fn image_args_env_labels() {
    let v = updated(&[
        "--image",
        "busybox:2",
        "--args",
        "sleep 5",
        "--env-add",
        "B=3",
        "--env-add",
        "C=4",
        "--env-rm",
        "A",
        "--label-add",
        "c=3",
        "--label-rm",
        "a",
        "--container-label-add",
        "x=y",
        "web",
    ]);
    let cs = &v["TaskTemplate"]["ContainerSpec"];
    assert_eq!(cs["Image"], "busybox:2");
    assert_eq!(cs["Args"], json!(["sleep", "5"]));
    assert_eq!(cs["Env"], json!(["B=3", "C=4"]));
    assert_eq!(cs["Labels"], json!({"x": "y"}));
    assert_eq!(v["Labels"], json!({"b": "2", "c": "3"}));
}

#[test]
fn replicas_constraints_ports() {
    let v = updated(&[
        "--replicas",
        "5",
        "--constraint-add",
        "node.labels.ssd==true",
        "--constraint-rm",
        "node.role==worker",
        "--publish-add",
        "9090:90",
        "--publish-rm",
        "80",
        "web",
    ]);
    assert_eq!(v["Mode"], json!({"Replicated": {"Replicas": 5}}));
    assert_eq!(
        v["TaskTemplate"]["Placement"]["Constraints"],
        json!(["node.labels.ssd==true"])
    );
    assert_eq!(
        v["EndpointSpec"]["Ports"],
        json!([{"Protocol": "tcp", "TargetPort": 90, "PublishedPort": 9090, "PublishMode": "ingress"}])
    );
}

#[test]
fn policies_and_resources() {
    let mut s = base();
    update(
        &mut s,
        &[
            "--restart-condition",
            "none",
            "--update-parallelism",
            "3",
            "--rollback-order",
            "start-first",
            "--limit-memory",
            "64m",
            "--health-cmd",
            "true",
            "web",
        ],
    )
    .unwrap();
    let rp = s.task_template.restart_policy.clone().unwrap();
    assert_eq!(rp.condition, Some(RestartCondition::None));
    assert_eq!(rp.delay, None);
    assert_eq!(s.update_config.as_ref().unwrap().parallelism, 3);
    assert_eq!(
        s.update_config.as_ref().unwrap().order.as_deref(),
        Some("stop-first")
    );
    assert_eq!(
        s.rollback_config.as_ref().unwrap().order.as_deref(),
        Some("start-first")
    );
    assert_eq!(
        serde_json::to_value(&s.task_template.resources).unwrap(),
        json!({"Limits": {"MemoryBytes": 67108864}})
    );
    assert_eq!(
        serde_json::to_value(&s.task_template.container_spec.healthcheck).unwrap(),
        json!({"Test": ["CMD-SHELL", "true"]})
    );
    // A second update keeps the earlier settings.
    update(&mut s, &["--update-delay", "5s", "web"]).unwrap();
    assert_eq!(s.update_config.as_ref().unwrap().parallelism, 3);
    assert_eq!(s.update_config.as_ref().unwrap().delay, Some(5_000_000_000));
}

#[test]
fn errors() {
    let mut global = base();
    global.mode = shoal_api::ServiceMode {
        global: Some(json!({})),
        ..Default::default()
    };
    assert_eq!(
        update(&mut global, &["--replicas", "2", "web"])
            .unwrap_err()
            .to_string(),
        "replicas can only be used with replicated mode"
    );
    let mut s = base();
    assert_eq!(
        update(&mut s, &["--rollback", "--image", "x", "web"])
            .unwrap_err()
            .to_string(),
        "other flags may not be combined with --rollback"
    );
    assert!(update(&mut s, &["--rollback", "-d", "-q", "web"]).is_ok());
    let e = update(&mut s, &["--replicas", "two", "web"]).unwrap_err();
    let e = e.status().unwrap();
    assert_eq!(e.code, 125);
    assert!(e
        .message
        .starts_with(r#"invalid argument "two" for "--replicas" flag"#));
    let e = update(&mut s, &[]).unwrap_err().to_string();
    assert!(
        e.starts_with("shoal: 'shoal service update' requires 1 argument"),
        "{e}"
    );
}

#[test]
fn port_configs_stay_typed() {
    let mut s = base();
    update(
        &mut s,
        &[
            "--publish-add",
            "published=53,target=53,protocol=udp",
            "web",
        ],
    )
    .unwrap();
    let ports = &s.endpoint_spec.as_ref().unwrap().ports;
    assert_eq!(ports.len(), 2);
    assert_eq!(
        ports[0],
        PortConfig {
            protocol: "udp".into(),
            target_port: 53,
            published_port: Some(53),
            publish_mode: "ingress".into(),
            ..Default::default()
        }
    );
}
