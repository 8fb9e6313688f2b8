//! A real crash: a child process proposes until it is `kill -9`ed; every proposal it saw
//! acknowledged must survive the restart.
//!
//! The child is this test binary re-executed to run only `crash_child`, which does nothing
//! unless the environment variable below names a data directory.

mod common;

use std::io::BufRead;
use std::io::BufReader;
use std::process::Command;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Instant;

use common::*;

const CHILD_DIR_ENV: &str = "SHOAL_RAFT_CRASH_CHILD_DIR";
const ACK: &str = "SHOAL_RAFT_ACK ";
/// Small, so the crash lands among snapshots and purges too.
const SNAPSHOT_EVERY: u64 = 25;
const ACKS_BEFORE_KILL: u64 = 150;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_child() {
    let Some(dir) = std::env::var_os(CHILD_DIR_ENV) else {
        return; // a normal test run: nothing to do
    };
    let (node, _) = open(dir.as_ref(), SNAPSHOT_EVERY).await;
    node.bootstrap_single().await.expect("bootstrap");
    // Bounded so an orphaned child cannot run forever.
    for i in 0..100_000u64 {
        put(&node, &format!("k{i}"), &format!("v{i}")).await;
        println!("{ACK}{i}");
    }
}

#[test]
fn kill_9_keeps_every_acknowledged_proposal() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["crash_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_DIR_ENV, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child");

    // Read acknowledgements on a thread so the wait below can have a deadline.
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(pos) = line.find(ACK) {
                let i: u64 = line[pos + ACK.len()..].trim().parse().expect("ack number");
                if tx.send(i).is_err() {
                    break;
                }
            }
        }
    });

    let deadline = Instant::now() + DEADLINE;
    let mut acked = 0;
    while acked < ACKS_BEFORE_KILL {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(i) => acked = i + 1,
            Err(e) => {
                let _ = child.kill();
                panic!("child stopped acknowledging after {acked} proposals: {e}");
            }
        }
    }
    child.kill().expect("kill -9 the child"); // SIGKILL on unix
    child.wait().unwrap();
    // Acknowledgements printed before the kill are still in the pipe; count them too.
    reader.join().unwrap();
    while let Ok(i) = rx.try_recv() {
        acked = i + 1;
    }

    eprintln!("child killed after {acked} acknowledged proposals");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let (node, kv) = open(dir.path(), SNAPSHOT_EVERY).await;
        within("bootstrap after crash", node.bootstrap_single())
            .await
            .expect("bootstrap after crash");
        for i in 0..acked {
            assert_eq!(
                kv.get(&format!("k{i}")).as_deref(),
                Some(format!("v{i}").as_str()),
                "acknowledged proposal {i} of {acked} lost"
            );
        }
        let reply = put(&node, "after", "crash").await;
        assert!(reply.index > acked);
        node.shutdown().await.expect("shutdown");
    });
}
