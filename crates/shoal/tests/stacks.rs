//! Networks, configs and stacks through the stock docker CLI (process executor): overlay
//! networks created, listed, inspected, refused while in use and removed; configs created
//! and read back; and `docker stack deploy` of a compose file (services, a network, a
//! config) followed by `stack ls|services|ps`, a redeploy that scales, and `stack rm`.
//! Configs and networks also go through shoal's own CLI (`shoal config|network ...`).

mod common;

use common::{rows, wait_for, Daemon};
use std::time::Duration;

fn names(table: &str) -> Vec<String> {
    let mut v: Vec<String> = rows(table)
        .into_iter()
        .skip(1)
        .filter_map(|r| r.get(1).cloned())
        .collect();
    v.sort();
    v
}

#[test]
fn networks_and_configs_through_the_docker_cli() {
    let d = Daemon::start("process");
    d.docker_ok(&["swarm", "init"]);
    // Every swarm starts with the ingress network.
    assert_eq!(names(&d.docker_ok(&["network", "ls"])), vec!["ingress"]);

    let id = d.docker_ok(&[
        "network",
        "create",
        "-d",
        "overlay",
        "--attachable",
        "--label",
        "team=blue",
        "my_overlay",
    ]);
    let id = id.trim();
    assert_eq!(id.len(), 25, "{id}");
    let ls = d.docker_ok(&["network", "ls", "--filter", "label=team=blue"]);
    assert_eq!(names(&ls), vec!["my_overlay"]);
    assert!(ls.contains("overlay") && ls.contains("swarm"), "{ls}");
    let net = &d.get_json("/networks/my_overlay");
    assert_eq!(net["Id"], id);
    assert_eq!(net["Attachable"], true);
    assert_eq!(net["Scope"], "swarm");
    assert_eq!(net["IPAM"]["Config"][0]["Subnet"], "10.0.1.0/24");
    let inspect = d.docker_ok(&[
        "network",
        "inspect",
        "--format",
        "{{.Driver}} {{.Scope}}",
        "my_overlay",
    ]);
    assert_eq!(inspect.trim(), "overlay swarm");

    // Refusals: a local driver, a taken name, an unknown network on a service, a network
    // in use.
    let err = d.docker_err(&["network", "create", "plain"]);
    assert!(err.contains("--driver overlay"), "{err}");
    let err = d.docker_err(&["network", "create", "-d", "overlay", "my_overlay"]);
    assert!(
        err.contains("network with name my_overlay already exists"),
        "{err}"
    );
    let err = d.docker_err(&[
        "service",
        "create",
        "-d",
        "--network",
        "nosuch",
        "busybox",
        "true",
    ]);
    assert!(err.contains("network nosuch not found"), "{err}");
    d.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "web",
        "--network",
        "my_overlay",
        "busybox",
        "sleep",
        "100000",
    ]);
    let targets = d.docker_ok(&[
        "service",
        "inspect",
        "--format",
        "{{range .Spec.TaskTemplate.Networks}}{{.Target}}{{end}}",
        "web",
    ]);
    assert_eq!(targets.trim(), id);
    let err = d.docker_err(&["network", "rm", "my_overlay"]);
    assert!(err.contains("is in use by service"), "{err}");
    d.docker_ok(&[
        "service",
        "update",
        "-d",
        "--network-rm",
        "my_overlay",
        "web",
    ]);
    d.docker_ok(&["network", "rm", "my_overlay"]);
    assert_eq!(names(&d.docker_ok(&["network", "ls"])), vec!["ingress"]);

    // Configs: created from a file, listed, read back with their data, removed.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.conf");
    std::fs::write(&file, "colour=blue\n").unwrap();
    d.docker_ok(&["config", "create", "app_conf", file.to_str().unwrap()]);
    assert_eq!(
        names(&d.docker_ok(&["config", "ls"])),
        vec!["app_conf"],
        "config ls"
    );
    let pretty = d.docker_ok(&["config", "inspect", "--pretty", "app_conf"]);
    assert!(pretty.contains("colour=blue"), "{pretty}");
    let err = d.docker_err(&["config", "create", "app_conf", file.to_str().unwrap()]);
    assert!(err.contains("config app_conf already exists"), "{err}");
    d.docker_ok(&["config", "rm", "app_conf"]);
    assert!(d.docker_ok(&["config", "ls", "-q"]).trim().is_empty());

    // The same through shoal's own CLI: configs and networks.
    let id = d.shoal_ok(&[
        "config",
        "create",
        "--label",
        "team=blue",
        "shoal_conf",
        file.to_str().unwrap(),
    ]);
    let id = id.trim();
    assert_eq!(id.len(), 25, "{id}");
    let ls = d.shoal_ok(&["config", "ls", "--filter", "label=team"]);
    assert_eq!(names(&ls), vec!["shoal_conf"], "{ls}");
    assert!(ls.starts_with("ID ") && ls.contains(id), "{ls}");
    let pretty = d.shoal_ok(&["config", "inspect", "--pretty", "shoal_conf"]);
    assert!(pretty.contains(&format!("ID:\t\t\t{id}\n")), "{pretty}");
    assert!(pretty.contains(" - team=blue\n"), "{pretty}");
    assert!(pretty.ends_with("Data:\ncolour=blue\n\n"), "{pretty}");
    let inspect = d.shoal_ok(&["config", "inspect", "-f", "{{.Spec.Name}}", id]);
    assert_eq!(inspect, "shoal_conf\n");
    let err = d.shoal(&["config", "create", "shoal_conf", file.to_str().unwrap()]);
    assert!(!err.status.success());
    let err = String::from_utf8_lossy(&err.stderr);
    assert!(err.contains("config shoal_conf already exists"), "{err}");
    assert_eq!(d.shoal_ok(&["config", "rm", "shoal_conf"]), "shoal_conf\n");
    assert!(d.shoal_ok(&["config", "ls", "-q"]).is_empty());

    d.shoal_ok(&["network", "create", "-d", "overlay", "x"]);
    assert_eq!(names(&d.shoal_ok(&["network", "ls"])), vec!["ingress", "x"]);
    assert_eq!(d.shoal_ok(&["network", "rm", "x"]), "x\n");
    assert_eq!(names(&d.shoal_ok(&["network", "ls"])), vec!["ingress"]);
}

#[test]
fn stack_deploy_ls_services_ps_and_rm() {
    let d = Daemon::start("process");
    d.docker_ok(&["swarm", "init"]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.conf"), "hello=1\n").unwrap();
    let compose = |replicas: u32| {
        format!(
            r#"version: "3.8"
services:
  web:
    image: busybox
    command: sh -c "sleep 100000"
    deploy:
      replicas: {replicas}
    networks: [front]
    configs:
      - source: appconf
        target: /app.conf
  worker:
    image: busybox
    command: sh -c "sleep 100001"
networks:
  front:
    driver: overlay
configs:
  appconf:
    file: ./app.conf
"#
        )
    };
    let file = dir.path().join("stack.yml");
    std::fs::write(&file, compose(2)).unwrap();
    let out = d.docker_ok(&["stack", "deploy", "-c", file.to_str().unwrap(), "app"]);
    for what in [
        "Creating network app_front",
        "Creating network app_default",
        "Creating config app_appconf",
        "Creating service app_web",
        "Creating service app_worker",
    ] {
        assert!(out.contains(what), "{what:?} in {out}");
    }
    let ls = rows(&d.docker_ok(&["stack", "ls"]));
    assert_eq!(ls[1], vec!["app", "2"], "{ls:?}");
    wait_for("the stack's tasks running", Duration::from_secs(30), || {
        let s = d.docker_ok(&[
            "stack",
            "services",
            "app",
            "--format",
            "{{.Name}} {{.Replicas}}",
        ]);
        let mut v: Vec<&str> = s.lines().collect();
        v.sort();
        v == ["app_web 2/2", "app_worker 1/1"]
    });
    let ps = d.docker_ok(&["stack", "ps", "app", "--format", "{{.Name}}"]);
    let mut tasks: Vec<&str> = ps.lines().collect();
    tasks.sort();
    assert_eq!(tasks, ["app_web.1", "app_web.2", "app_worker.1"]);

    // A redeploy updates the stack in place.
    std::fs::write(&file, compose(3)).unwrap();
    let out = d.docker_ok(&["stack", "deploy", "-c", file.to_str().unwrap(), "app"]);
    assert!(out.contains("Updating service app_web"), "{out}");
    wait_for("three web replicas", Duration::from_secs(30), || {
        d.docker_ok(&[
            "stack",
            "services",
            "app",
            "--format",
            "{{.Name}} {{.Replicas}}",
        ])
        .contains("app_web 3/3")
    });

    let out = d.docker_ok(&["stack", "rm", "app"]);
    assert!(out.contains("Removing service app_web"), "{out}");
    assert!(out.contains("Removing network app_front"), "{out}");
    assert!(out.contains("Removing config app_appconf"), "{out}");
    assert!(d.docker_ok(&["service", "ls", "-q"]).trim().is_empty());
    assert!(d.docker_ok(&["config", "ls", "-q"]).trim().is_empty());
    assert_eq!(names(&d.docker_ok(&["network", "ls"])), vec!["ingress"]);
    let ls = d.docker_ok(&["stack", "ls"]);
    assert_eq!(rows(&ls).len(), 1, "{ls}");
}
