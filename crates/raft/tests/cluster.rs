//! Multi-voter clusters over an in-process transport: replication, membership changes,
//! leader failover and partitions, against real files in temporary directories.

mod common;

use std::collections::HashMap;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

use common::*;
use shoal_raft::RaftConfig;
use shoal_raft::RaftNode;
use shoal_raft::RaftTransport;
use shoal_raft::StateMachine;
use shoal_raft::TransportError;
use tempfile::TempDir;

/// How long a propose on a node without quorum is given before we conclude it cannot commit.
const NO_QUORUM_WAIT: Duration = Duration::from_secs(2);
/// Upper bound for electing a new leader (election timeouts are 300-600 ms).
const ELECTION_DEADLINE: Duration = Duration::from_secs(10);

/// The in-process "network": every node registered by id, and the ids currently cut off.
#[derive(Clone, Default)]
struct Net {
    inner: Arc<Mutex<NetInner>>,
}

#[derive(Default)]
struct NetInner {
    nodes: HashMap<u64, RaftNode>,
    cut: HashSet<u64>,
    /// The last AppendEntries payload sent to each node.
    last_append: HashMap<u64, Vec<u8>>,
}

impl Net {
    fn cut(&self, id: u64) {
        self.inner.lock().unwrap().cut.insert(id);
    }
    fn heal(&self, id: u64) {
        self.inner.lock().unwrap().cut.remove(&id);
    }
}

/// One node's transport: a call fails when either end is cut off or the target is not running.
struct Link {
    net: Net,
    from: u64,
}

impl Link {
    fn peer(&self, target: u64) -> Result<RaftNode, TransportError> {
        let net = self.net.inner.lock().unwrap();
        if net.cut.contains(&self.from) || net.cut.contains(&target) {
            return Err(TransportError(format!("{} -> {target}: cut", self.from)));
        }
        net.nodes
            .get(&target)
            .cloned()
            .ok_or_else(|| TransportError(format!("node {target} is not running")))
    }
}

fn remote(e: shoal_raft::RaftError) -> TransportError {
    TransportError(e.to_string())
}

#[async_trait::async_trait]
impl RaftTransport for Link {
    async fn append_entries(
        &self,
        target: u64,
        _addr: &str,
        payload: Vec<u8>,
    ) -> Result<Vec<u8>, TransportError> {
        let peer = self.peer(target)?;
        self.net
            .inner
            .lock()
            .unwrap()
            .last_append
            .insert(target, payload.clone());
        peer.handle_append_entries(&payload).await.map_err(remote)
    }

    async fn vote(
        &self,
        target: u64,
        _addr: &str,
        payload: Vec<u8>,
    ) -> Result<Vec<u8>, TransportError> {
        let peer = self.peer(target)?;
        peer.handle_vote(&payload).await.map_err(remote)
    }

    async fn install_snapshot(
        &self,
        target: u64,
        _addr: &str,
        payload: Vec<u8>,
    ) -> Result<Vec<u8>, TransportError> {
        let peer = self.peer(target)?;
        peer.handle_install_snapshot(&payload).await.map_err(remote)
    }
}

/// Nodes of one test cluster, each with its own data dir and state machine.
struct Cluster {
    net: Net,
    snapshot_every: u64,
    dirs: HashMap<u64, TempDir>,
    kvs: HashMap<u64, Arc<Kv>>,
}

fn addr(id: u64) -> String {
    format!("10.0.0.{id}:4242")
}

impl Cluster {
    fn new(snapshot_every: u64) -> Self {
        Cluster {
            net: Net::default(),
            snapshot_every,
            dirs: HashMap::new(),
            kvs: HashMap::new(),
        }
    }

    /// Opens node `id` (again, on the same directory if it ran before) with a fresh state
    /// machine, and registers it on the network.
    async fn start(&mut self, id: u64) -> RaftNode {
        let dir = self
            .dirs
            .entry(id)
            .or_insert_with(|| tempfile::tempdir().unwrap());
        let config = RaftConfig {
            snapshot_every: self.snapshot_every,
            ..RaftConfig::new(dir.path(), id, addr(id))
        };
        let kv = Arc::new(Kv::default());
        let link = Arc::new(Link {
            net: self.net.clone(),
            from: id,
        });
        let node = RaftNode::open_with(config, kv.clone(), link)
            .await
            .expect("open raft node");
        self.kvs.insert(id, kv);
        self.net
            .inner
            .lock()
            .unwrap()
            .nodes
            .insert(id, node.clone());
        node
    }

    /// Shuts node `id` down and unregisters it.
    async fn stop(&mut self, id: u64) {
        let node = self.net.inner.lock().unwrap().nodes.remove(&id);
        if let Some(node) = node {
            node.shutdown().await.expect("shutdown");
        }
    }

    fn node(&self, id: u64) -> RaftNode {
        self.net.inner.lock().unwrap().nodes[&id].clone()
    }

    fn kv(&self, id: u64) -> &Kv {
        &self.kvs[&id]
    }

    /// n1 bootstraps and adds n2..=n{size} as voters.
    async fn form(&mut self, size: u64) -> RaftNode {
        let leader = self.start(1).await;
        within("bootstrap", leader.bootstrap_single())
            .await
            .expect("bootstrap");
        for id in 2..=size {
            self.start(id).await;
            within("add voter", leader.add_voter(id, addr(id)))
                .await
                .expect("add voter");
        }
        leader
    }

    /// Waits until every listed node has applied `index`, then checks they hold the same state.
    async fn converged(&self, ids: &[u64], index: u64) {
        for &id in ids {
            self.node(id)
                .wait_applied(index, DEADLINE)
                .await
                .unwrap_or_else(|e| panic!("node {id}: {e}"));
        }
        let reference = self.kv(ids[0]).snapshot();
        for &id in &ids[1..] {
            assert_eq!(
                String::from_utf8(self.kv(id).snapshot()).unwrap(),
                String::from_utf8(reference.clone()).unwrap(),
                "node {id} differs from node {}",
                ids[0]
            );
        }
    }

    async fn shutdown_all(&mut self) {
        let ids: Vec<u64> = self
            .net
            .inner
            .lock()
            .unwrap()
            .nodes
            .keys()
            .copied()
            .collect();
        for id in ids {
            self.stop(id).await;
        }
    }
}

/// Waits until `node` sees a leader other than `old`, and returns it.
async fn new_leader(node: &RaftNode, old: u64) -> u64 {
    let mut watch = node.leader_watch();
    let leader = tokio::time::timeout(
        ELECTION_DEADLINE,
        watch.wait_for(|l| matches!(l, Some(id) if *id != old)),
    )
    .await
    .unwrap_or_else(|_| panic!("no new leader within {ELECTION_DEADLINE:?}"))
    .expect("leader watch closed");
    leader.expect("checked above")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_voters_replicate_every_proposal() {
    // A small snapshot interval: the log is purged before n2/n3 join, so they start from a
    // snapshot sent over the transport, then follow the log.
    let mut cluster = Cluster::new(10);
    let n1 = cluster.start(1).await;
    within("bootstrap", n1.bootstrap_single())
        .await
        .expect("bootstrap");
    for i in 0..30 {
        put(&n1, &format!("early{i}"), "x").await;
    }
    for id in [2, 3] {
        let node = cluster.start(id).await;
        assert!(!node.is_initialized().await);
        assert!(matches!(
            node.propose(set("k", "v")).await,
            Err(shoal_raft::RaftError::NoLeader)
        ));
        within("add voter", n1.add_voter(id, addr(id)))
            .await
            .expect("add voter");
    }
    // Idempotent.
    n1.add_voter(3, addr(3)).await.expect("add existing voter");
    // A voter that moved: its address is updated in place.
    n1.add_voter(2, "10.0.0.22:4242".into())
        .await
        .expect("move voter");
    assert!(n1.members().contains(&(2, "10.0.0.22:4242".into())));
    n1.add_voter(2, addr(2)).await.expect("move voter back");
    assert_eq!(n1.members(), vec![(1, addr(1)), (2, addr(2)), (3, addr(3))]);
    assert_eq!(n1.current_leader(), Some(1));

    let mut last = 0;
    for i in 0..50 {
        last = put(&n1, &format!("k{}", i % 7), &format!("v{i}"))
            .await
            .index;
    }
    cluster.converged(&[1, 2, 3], last).await;
    assert_eq!(cluster.kv(3).get("k0").as_deref(), Some("v49"));
    assert_eq!(cluster.kv(2).len(), 30 + 7);
    assert!(
        cluster.kv(2).restores() + cluster.kv(3).restores() >= 1,
        "a joining node should have been sent a snapshot"
    );

    for id in [2, 3] {
        let follower = cluster.node(id);
        assert_eq!(follower.current_leader(), Some(1));
        assert_eq!(follower.members(), n1.members());
        let err = follower.propose(set("k", "v")).await.unwrap_err();
        assert!(
            matches!(err, shoal_raft::RaftError::NotLeader { leader: Some(1) }),
            "{err:?}"
        );
        assert!(matches!(
            follower.add_voter(9, addr(9)).await,
            Err(shoal_raft::RaftError::NotLeader { leader: Some(1) })
        ));
    }

    // Garbage from a peer is refused, not fatal.
    for result in [
        n1.handle_append_entries(b"nope").await,
        n1.handle_vote(b"{}").await,
        n1.handle_install_snapshot(&[1, 2]).await,
    ] {
        assert!(
            matches!(result, Err(shoal_raft::RaftError::Payload(_))),
            "{result:?}"
        );
    }

    // A request meant for another node id (an address reused by another node) is refused.
    let for_n2 = cluster.net.inner.lock().unwrap().last_append[&2].clone();
    let misrouted = cluster.node(3).handle_append_entries(&for_n2).await;
    assert!(
        matches!(&misrouted, Err(shoal_raft::RaftError::Payload(m)) if m.contains("node 2 reached node 3")),
        "{misrouted:?}"
    );

    // Removing a voter: the remaining two still commit.
    n1.remove_voter(3).await.expect("remove voter");
    n1.remove_voter(3).await.expect("remove is idempotent");
    assert_eq!(n1.members(), vec![(1, addr(1)), (2, addr(2))]);
    cluster.stop(3).await;
    let last = put(&n1, "after-remove", "y").await.index;
    cluster.converged(&[1, 2], last).await;

    cluster.shutdown_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_leader_takes_over_and_the_old_one_catches_up() {
    let mut cluster = Cluster::new(1000);
    let n1 = cluster.form(3).await;
    let mut last = 0;
    for i in 0..10 {
        last = put(&n1, &format!("k{i}"), "before").await.index;
    }
    cluster.converged(&[1, 2, 3], last).await;

    // Kill the leader.
    cluster.net.cut(1);
    cluster.stop(1).await;
    let leader = new_leader(&cluster.node(2), 1).await;
    assert!(leader == 2 || leader == 3, "leader {leader}");
    let other = if leader == 2 { 3 } else { 2 };
    assert_eq!(new_leader(&cluster.node(other), 1).await, leader);

    let leader_node = cluster.node(leader);
    for i in 0..10 {
        let reply = put(&leader_node, &format!("k{i}"), "after").await;
        assert_eq!(reply.previous.as_deref(), Some("before"));
        last = reply.index;
    }
    cluster.converged(&[leader, other], last).await;

    // The old leader comes back and catches up as a follower.
    cluster.net.heal(1);
    let n1 = cluster.start(1).await;
    assert!(n1.is_initialized().await);
    cluster.converged(&[leader, other, 1], last).await;
    assert_eq!(cluster.kv(1).get("k9").as_deref(), Some("after"));
    // New writes reach it too.
    let current = new_leader(&n1, 1).await;
    last = put(&cluster.node(current), "k0", "again").await.index;
    cluster.converged(&[1, 2, 3], last).await;

    cluster.shutdown_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_off_minority_cannot_commit_and_the_majority_can() {
    let mut cluster = Cluster::new(1000);
    let n1 = cluster.form(3).await;

    // A follower cut off: the leader and the other follower still commit.
    cluster.net.cut(3);
    let mut last = 0;
    for i in 0..10 {
        last = within("propose without n3", n1.propose(set(format!("k{i}"), "v")))
            .await
            .map(|_| n1.applied_index())
            .expect("propose with a majority");
    }
    cluster.converged(&[1, 2], last).await;
    cluster.net.heal(3);
    cluster.converged(&[1, 2, 3], last).await;

    // The leader cut off: it cannot commit, the other two elect a leader and can.
    cluster.net.cut(1);
    let lost = tokio::time::timeout(NO_QUORUM_WAIT, n1.propose(set("lost", "v"))).await;
    assert!(
        !matches!(lost, Ok(Ok(_))),
        "a leader without a quorum committed: {lost:?}"
    );
    let leader = new_leader(&cluster.node(2), 1).await;
    let leader_node = cluster.node(leader);
    for i in 0..10 {
        last = put(&leader_node, &format!("m{i}"), "v").await.index;
    }
    let majority: Vec<u64> = [2, 3].into();
    cluster.converged(&majority, last).await;

    // Healed, the old leader steps down, drops its uncommitted entry and catches up.
    cluster.net.heal(1);
    let _ = new_leader(&n1, 1).await;
    cluster.converged(&[2, 3, 1], last).await;
    for id in [1, 2, 3] {
        assert_eq!(cluster.kv(id).get("lost"), None, "node {id}");
    }

    cluster.shutdown_all().await;
}
