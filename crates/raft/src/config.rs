//! Node configuration and its translation into openraft's `Config`.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use openraft::SnapshotPolicy;

use crate::RaftError;

/// File holding the raft log, vote and committed index.
pub(crate) const LOG_FILE: &str = "raft-log.redb";
/// File holding the latest snapshot (meta + state bytes).
pub(crate) const SNAPSHOT_FILE: &str = "raft-snapshot.redb";

// Fast failover is a product goal (under a second). In openraft a follower starts an
// election only after the leader's lease (= election_timeout_max) has run out since the
// last heartbeat, plus its own randomised timeout: with 200-400 ms that is 0.6-0.8 s after
// the leader dies (300-600 ms measured 1.1 s). A heartbeat every 60 ms leaves 3-6 missed
// heartbeats of slack before a healthy but slow leader is deposed.
const HEARTBEAT_MS: u64 = 60;
const ELECTION_TIMEOUT_MIN_MS: u64 = 200;
const ELECTION_TIMEOUT_MAX_MS: u64 = 400;

// Committed entries kept behind a snapshot, so a follower that is slightly behind catches up
// from the log instead of receiving a whole snapshot (swarmkit keeps 500 for the same reason).
const MAX_LOG_TAIL: u64 = 500;

/// How a raft node is set up.
#[derive(Clone)]
pub struct RaftConfig {
    /// Directory holding `raft-log.redb` and `raft-snapshot.redb`; created if missing.
    pub data_dir: PathBuf,
    /// This node's raft id; must stay the same for the life of `data_dir`.
    pub node_id: u64,
    /// Advertised address, stored in the cluster membership for peers to dial.
    pub addr: String,
    /// Number of log entries since the last snapshot that triggers a new one.
    pub snapshot_every: u64,
    /// The data encryption key (DEK): when set, log entries and snapshot data are sealed
    /// with it on disk (ChaCha20-Poly1305, see seal.rs). The vote, committed/purged log ids,
    /// node id and snapshot meta (last log id, membership) stay plaintext.
    ///
    /// - `None`: nothing is encrypted. Opening a log that was encrypted fails.
    /// - `Some(key)` on plaintext files (new, or written before a key was set): they are
    ///   encrypted while opening, and everything written afterwards is sealed. From then on
    ///   a plaintext entry or snapshot is refused as corrupted.
    /// - `Some(key)` on encrypted files: the key must be the one they were sealed with;
    ///   [`RaftNode::open`](crate::RaftNode::open) fails with a `RaftError::Storage` saying
    ///   "cannot decrypt ...: wrong data key or corrupted file" otherwise, and writes nothing.
    ///
    /// There is no key rotation: the key must stay the same for the life of `data_dir`.
    pub data_key: Option<[u8; 32]>,
}

// By hand, so the data key never ends up in a log line.
impl fmt::Debug for RaftConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RaftConfig")
            .field("data_dir", &self.data_dir)
            .field("node_id", &self.node_id)
            .field("addr", &self.addr)
            .field("snapshot_every", &self.snapshot_every)
            .field("data_key", &self.data_key.map(|_| "<redacted>"))
            .finish()
    }
}

impl RaftConfig {
    /// Default for [`RaftConfig::snapshot_every`].
    pub const DEFAULT_SNAPSHOT_EVERY: u64 = 1000;

    /// A config with the default snapshot interval.
    pub fn new(data_dir: impl Into<PathBuf>, node_id: u64, addr: impl Into<String>) -> Self {
        RaftConfig {
            data_dir: data_dir.into(),
            node_id,
            addr: addr.into(),
            snapshot_every: Self::DEFAULT_SNAPSHOT_EVERY,
            data_key: None,
        }
    }

    pub(crate) fn log_path(&self) -> PathBuf {
        self.data_dir.join(LOG_FILE)
    }

    pub(crate) fn snapshot_path(&self) -> PathBuf {
        self.data_dir.join(SNAPSHOT_FILE)
    }

    /// Entries kept behind the latest snapshot; at most one snapshot interval so the log on
    /// disk stays below roughly `2 * snapshot_every` entries.
    fn log_tail(&self) -> u64 {
        self.snapshot_every.min(MAX_LOG_TAIL)
    }

    pub(crate) fn openraft_config(&self) -> Result<Arc<openraft::Config>, RaftError> {
        if self.snapshot_every == 0 {
            return Err(RaftError::Config(
                "snapshot_every must be at least 1".into(),
            ));
        }
        let config = openraft::Config {
            cluster_name: "shoal".into(),
            heartbeat_interval: HEARTBEAT_MS,
            election_timeout_min: ELECTION_TIMEOUT_MIN_MS,
            election_timeout_max: ELECTION_TIMEOUT_MAX_MS,
            snapshot_policy: SnapshotPolicy::LogsSinceLast(self.snapshot_every),
            max_in_snapshot_log_to_keep: self.log_tail(),
            // Purge as soon as a snapshot allows it: purging only happens after a snapshot
            // anyway, so batching would just keep more rows around.
            purge_batch_size: 1,
            // openraft wants followers further behind than this to get a snapshot; it must
            // exceed the snapshot interval or a snapshot would not fix the lag.
            replication_lag_threshold: self.snapshot_every.saturating_mul(2).max(5000),
            // A restarted leader must win a fresh election instead of resuming: the new term's
            // blank entry re-commits the whole log, so the state machine catches up even if
            // the lazily persisted committed index (see log_store.rs) lagged behind.
            enable_leader_restore: Some(false),
            // A node that cannot win (partitioned, restarted, behind) asks first whether it
            // would be elected, instead of bumping its term and deposing a healthy leader when
            // it reconnects. Carried over the vote RPC (see network.rs).
            enable_pre_vote: Some(true),
            ..Default::default()
        };
        let config = config
            .validate()
            .map_err(|e| RaftError::Config(e.to_string()))?;
        Ok(Arc::new(config))
    }
}
