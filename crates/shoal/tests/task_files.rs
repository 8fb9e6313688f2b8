//! Secrets and configs reach the tasks that use them (docker executor): the data is in
//! `/run/secrets/<name>` and at the config's target inside the task's container, read-only;
//! an unknown secret is refused at create, and a secret or config in use cannot be removed.

mod common;

use common::{ensure_test_image, Daemon, TEST_IMAGE};
use std::process::Command;

/// `docker exec` on the machine's engine (not the daemon under test).
fn engine_exec(container: &str, args: &[&str]) -> String {
    let out = Command::new("docker")
        .arg("exec")
        .arg(container)
        .args(args)
        .env_remove("DOCKER_HOST")
        .output()
        .expect("docker exec");
    assert!(
        out.status.success(),
        "docker exec {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[test]
fn secrets_and_configs_are_in_the_tasks_filesystem() {
    if common::skip_without_docker("secrets_and_configs_are_in_the_tasks_filesystem") {
        return;
    }
    ensure_test_image();
    let d = Daemon::start("docker");
    d.docker_ok(&["swarm", "init"]);
    let dir = tempfile::tempdir().unwrap();
    let pw = dir.path().join("pw");
    std::fs::write(&pw, "s3cret-value").unwrap();
    let conf = dir.path().join("app.conf");
    std::fs::write(&conf, "colour=blue\n").unwrap();
    d.docker_ok(&["secret", "create", "db_pw", pw.to_str().unwrap()]);
    d.docker_ok(&["config", "create", "app_conf", conf.to_str().unwrap()]);

    let err = d.docker_err(&[
        "service", "create", "-d", "--secret", "nosuch", TEST_IMAGE, "true",
    ]);
    assert!(err.contains("nosuch"), "{err}");

    d.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "app",
        "--secret",
        "db_pw",
        "--config",
        "source=app_conf,target=/etc/app.conf",
        "--stop-grace-period",
        "1s",
        TEST_IMAGE,
        "sleep",
        "100000",
    ]);
    d.wait_running("app", 1);
    let task = &d.running_tasks("app")[0];
    let container = format!("app.1.{}", task["ID"].as_str().unwrap());
    assert_eq!(
        engine_exec(&container, &["cat", "/run/secrets/db_pw"]),
        "s3cret-value"
    );
    assert_eq!(
        engine_exec(&container, &["cat", "/etc/app.conf"]),
        "colour=blue\n"
    );
    let mode = engine_exec(&container, &["stat", "-c", "%a", "/run/secrets/db_pw"]);
    assert_eq!(mode.trim(), "444");
    // The data is never shown by the API, in the task either.
    let t = d.get_json(&format!("/tasks/{}", task["ID"].as_str().unwrap()));
    assert!(!t.to_string().contains("ShoalData"), "{t}");

    let err = d.docker_err(&["secret", "rm", "db_pw"]);
    assert!(
        err.contains("secret 'db_pw' is in use by the following service: app"),
        "{err}"
    );
    let err = d.docker_err(&["config", "rm", "app_conf"]);
    assert!(
        err.contains("is in use by the following service: app"),
        "{err}"
    );
    d.docker_ok(&["service", "rm", "app"]);

    // The shoal CLI's flags, with a target of its own.
    d.shoal_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "app2",
        "--secret",
        "source=db_pw,target=pw2,mode=0400",
        "--stop-grace-period",
        "1s",
        TEST_IMAGE,
        "sleep",
        "100000",
    ]);
    d.wait_running("app2", 1);
    let task = &d.running_tasks("app2")[0];
    let container = format!("app2.1.{}", task["ID"].as_str().unwrap());
    assert_eq!(
        engine_exec(&container, &["cat", "/run/secrets/pw2"]),
        "s3cret-value"
    );
    let mode = engine_exec(&container, &["stat", "-c", "%a", "/run/secrets/pw2"]);
    assert_eq!(mode.trim(), "400");
    d.shoal_ok(&["service", "update", "-d", "--secret-rm", "db_pw", "app2"]);
    d.docker_ok(&["secret", "rm", "db_pw"]);
    d.docker_ok(&["service", "rm", "app2"]);
    d.docker_ok(&["config", "rm", "app_conf"]);
}
