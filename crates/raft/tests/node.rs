//! RaftNode lifecycle against real files: bootstrap, proposals, restart, snapshots.

mod common;

use common::*;
use shoal_raft::RaftError;
use shoal_raft::RaftNode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bootstrap_then_propose_returns_state_machine_replies() {
    let dir = tempfile::tempdir().unwrap();
    let (node, kv) = open(dir.path(), 1000).await;
    assert!(!node.is_initialized().await);

    within("bootstrap", node.bootstrap_single())
        .await
        .expect("bootstrap");
    assert!(node.is_initialized().await);
    assert!(node.is_leader());
    assert_eq!(*node.leader_watch().borrow(), Some(NODE_ID));

    let mut last_index = node.applied_index();
    for i in 0..20 {
        let reply = put(&node, &format!("k{}", i % 5), &format!("v{i}")).await;
        assert!(reply.index > last_index, "indexes must increase");
        let expected_previous = (i >= 5).then(|| format!("v{}", i - 5));
        assert_eq!(reply.previous, expected_previous);
        assert!(
            node.applied_index() >= reply.index,
            "applied once propose returns"
        );
        last_index = reply.index;
    }
    assert_eq!(kv.get("k4").as_deref(), Some("v19"));
    assert_eq!(kv.applies(), 20);
    assert!(
        node.is_ready_leader(),
        "a leader that applied all it committed"
    );

    node.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_restores_state_and_continues_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let (node, _) = open(dir.path(), 1000).await;
    node.bootstrap_single().await.expect("bootstrap");
    let mut last = 0;
    for i in 0..10 {
        last = put(&node, &format!("k{i}"), "before").await.index;
    }
    node.shutdown().await.expect("shutdown");
    assert!(matches!(
        node.propose(set("k", "v")).await,
        Err(RaftError::Shutdown)
    ));
    assert_eq!(*node.leader_watch().borrow(), None);

    let (node, kv) = open(dir.path(), 1000).await;
    assert!(node.is_initialized().await);
    // The committed log was re-applied while opening, before any election.
    assert_eq!(kv.len(), 10);
    assert_eq!(node.applied_index(), last);

    let mut leader = node.leader_watch();
    within("bootstrap after restart", node.bootstrap_single())
        .await
        .expect("bootstrap");
    within("leader watch", leader.wait_for(|l| *l == Some(NODE_ID)))
        .await
        .unwrap();

    let reply = put(&node, "k0", "after").await;
    assert!(reply.index > last, "{} should follow {last}", reply.index);
    assert_eq!(reply.previous.as_deref(), Some("before"));
    node.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_bound_the_log_and_restore_on_reopen() {
    const EVERY: u64 = 20;
    const WRITES: u64 = 300;
    let dir = tempfile::tempdir().unwrap();
    let (node, _) = open(dir.path(), EVERY).await;
    node.bootstrap_single().await.expect("bootstrap");
    let mut last = 0;
    for i in 0..WRITES {
        last = put(&node, &format!("k{i}"), &format!("v{i}")).await.index;
    }
    node.shutdown().await.expect("shutdown");

    let snapshot = snapshot_index(dir.path()).expect("a snapshot was stored");
    assert!(
        snapshot >= WRITES - 3 * EVERY,
        "snapshot at {snapshot} lags the log ({last})"
    );
    // Purged behind the snapshot: at most ~one interval pending, one being built, the tail.
    let rows = log_rows(dir.path());
    assert!(
        rows <= 4 * EVERY,
        "{rows} log rows left after {WRITES} writes"
    );

    let (node, kv) = open(dir.path(), EVERY).await;
    assert_eq!(kv.restores(), 1, "state restored from the snapshot");
    assert_eq!(kv.len(), WRITES as usize);
    assert!(
        kv.applies() < 3 * EVERY,
        "only the tail is re-applied, not {}",
        kv.applies()
    );
    assert_eq!(node.applied_index(), last);
    assert_eq!(kv.get("k0").as_deref(), Some("v0"));

    node.bootstrap_single().await.expect("bootstrap");
    let reply = put(&node, "k0", "new").await;
    assert!(reply.index > last);
    assert_eq!(reply.previous.as_deref(), Some("v0"));
    node.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bootstrap_single_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let (node, _) = open(dir.path(), 1000).await;
    node.bootstrap_single().await.expect("first bootstrap");
    node.bootstrap_single().await.expect("second bootstrap");
    let reply = put(&node, "k", "v").await;
    node.shutdown().await.expect("shutdown");

    let (node, _) = open(dir.path(), 1000).await;
    node.bootstrap_single()
        .await
        .expect("bootstrap after restart");
    assert!(put(&node, "k", "w").await.index > reply.index);
    node.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn propose_without_a_cluster_reports_no_leader() {
    let dir = tempfile::tempdir().unwrap();
    let (node, _) = open(dir.path(), 1000).await;
    assert!(!node.is_leader());
    assert_eq!(*node.leader_watch().borrow(), None);

    let err = node.propose(set("k", "v")).await.unwrap_err();
    assert!(matches!(err, RaftError::NoLeader), "{err:?}");
    assert_eq!(
        err.to_string(),
        "The swarm does not have a leader. It's possible that too few managers are online. \
         Make sure more than half of the managers are online."
    );
    node.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_dir_belongs_to_one_node_id() {
    let dir = tempfile::tempdir().unwrap();
    let (node, _) = open(dir.path(), 1000).await;
    node.shutdown().await.expect("shutdown");

    let other = shoal_raft::RaftConfig::new(dir.path(), NODE_ID + 1, ADDR);
    let err = RaftNode::open(other, std::sync::Arc::new(Kv::default()))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, RaftError::Storage(msg) if msg.contains("belongs to node 1")),
        "{err}"
    );
}
