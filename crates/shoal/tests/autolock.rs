//! Autolock: a manager restarted with autolock on serves nothing until `swarm unlock` gets
//! the right key (through the shoal CLI or the stock docker CLI, key on stdin); keys rotate;
//! turning autolock off lets managers start by themselves again. The raft data on disk
//! never shows the cluster's data in clear.

mod common;

use common::{wait_for, Daemon};
use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const LOCKED: &str = "Swarm is encrypted and needs to be unlocked before it can be used.";

/// Runs `cli swarm unlock` against `d` with `key` on stdin.
fn unlock_with(d: &Daemon, cli: &str, key: &str) -> Output {
    let mut cmd = if cli == "docker" {
        let mut c = Command::new("docker");
        c.env("DOCKER_HOST", d.host()).env_remove("DOCKER_CONTEXT");
        c
    } else {
        let mut c = Command::new(env!("CARGO_BIN_EXE_shoal"));
        c.args(["-H", &d.host()]);
        c
    };
    let mut child = cmd
        .args(["swarm", "unlock"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run unlock");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{key}\n").as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn local_state(d: &Daemon) -> String {
    d.get_json("/info")["Swarm"]["LocalNodeState"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// True when any file under `dir` contains `needle`.
fn on_disk(dir: &std::path::Path, needle: &str) -> bool {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            for e in std::fs::read_dir(&p).unwrap().flatten() {
                stack.push(e.path());
            }
        } else if let Ok(bytes) = std::fs::read(&p) {
            if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                return true;
            }
        }
    }
    false
}

#[test]
fn an_autolocked_manager_waits_for_its_key() {
    let mut d = Daemon::start_named("process", "m1");
    let out = d.shoal_ok(&["swarm", "init", "--autolock"]);
    assert!(out.contains("SWMKEY-1-"), "{out}");
    let key = d
        .shoal_ok(&["swarm", "unlock-key", "-q"])
        .trim()
        .to_string();
    assert!(out.contains(&key), "init prints the same key");
    d.shoal_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "web",
        "--replicas",
        "2",
        "--label",
        "secret=kept-off-the-disk-4711",
        "busybox",
        "sleep",
        "100000",
    ]);
    d.wait_running("web", 2);
    let err = stderr(&unlock_with(&d, "shoal", &key));
    assert!(err.contains("swarm is not locked"), "{err}");

    // Restarted, it is locked: no API, no tasks, until the right key comes.
    d.kill();
    assert!(
        !on_disk(&d.data_dir().join("swarm/raft"), "kept-off-the-disk-4711"),
        "the raft data is encrypted at rest"
    );
    d.restart();
    assert_eq!(local_state(&d), "locked");
    let err = stderr(&d.shoal(&["node", "ls"]));
    assert!(err.contains(LOCKED), "{err}");
    let wrong = "SWMKEY-1-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let err = stderr(&unlock_with(&d, "shoal", wrong));
    assert!(
        err.contains("swarm could not be unlocked: invalid key provided"),
        "{err}"
    );
    assert_eq!(local_state(&d), "locked");
    let out = unlock_with(&d, "docker", &key);
    assert!(
        out.status.success(),
        "docker swarm unlock: {}",
        stderr(&out)
    );
    assert_eq!(local_state(&d), "active");
    d.wait_running("web", 2);

    // Rotation: the old key stops working, the new one works.
    let dek = d.data_dir().join("swarm/raft/dek.json");
    let sealed_before = std::fs::read(&dek).unwrap();
    let out = d.shoal_ok(&["swarm", "unlock-key", "--rotate"]);
    assert!(
        out.contains("Successfully rotated manager unlock key."),
        "{out}"
    );
    let new_key = d
        .shoal_ok(&["swarm", "unlock-key", "-q"])
        .trim()
        .to_string();
    assert_ne!(new_key, key);
    // The manager reseals its data key with the new key (asynchronously).
    wait_for("the data key resealed", Duration::from_secs(30), || {
        std::fs::read(&dek).unwrap() != sealed_before
    });
    d.kill();
    d.restart();
    let err = stderr(&unlock_with(&d, "shoal", &key));
    assert!(err.contains("invalid key provided"), "{err}");
    let out = unlock_with(&d, "shoal", &new_key);
    assert!(out.status.success(), "{}", stderr(&out));
    d.wait_running("web", 2);

    // Autolock off: the next restart needs no key.
    d.shoal_ok(&["swarm", "update", "--autolock=false"]);
    let err = stderr(&d.shoal(&["swarm", "unlock-key"]));
    assert!(err.contains("no unlock key is set"), "{err}");
    wait_for(
        "the data key stored unsealed",
        Duration::from_secs(30),
        || {
            !std::fs::read_to_string(&dek)
                .unwrap()
                .contains("sealed_dek")
        },
    );
    d.kill();
    d.restart();
    wait_for("active without a key", Duration::from_secs(30), || {
        local_state(&d) == "active"
    });
    d.wait_running("web", 2);
}
