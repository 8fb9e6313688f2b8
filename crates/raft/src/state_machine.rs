//! Adapts the application's [`StateMachine`] to openraft's `RaftStateMachine`.
//!
//! The application state lives in memory; what makes it durable is the snapshot
//! (snapshot_store.rs) plus the committed log after it. The adapter tracks the last applied
//! log id and the membership in memory and persists both in each snapshot's meta.

use std::io;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use futures_util::Stream;
use futures_util::TryStreamExt;
use openraft::storage::EntryResponder;
use openraft::storage::RaftStateMachine;
use openraft::EntryPayload;
use openraft::OptionalSend;
use openraft::RaftSnapshotBuilder;

use crate::db::blocking;
use crate::snapshot_store::Replace;
use crate::snapshot_store::SnapshotStore;
use crate::types::LogId;
use crate::types::Snapshot;
use crate::types::SnapshotData;
use crate::types::SnapshotMeta;
use crate::types::StoredMembership;
use crate::types::TypeConfig;
use crate::StateMachine;

/// Owned by openraft's state-machine worker, which serialises every call.
pub(crate) struct StateMachineStore {
    app: Arc<dyn StateMachine>,
    last_applied: Option<LogId>,
    membership: StoredMembership,
    /// Index of `last_applied`, shared with `RaftNode::applied_index`.
    applied_index: Arc<AtomicU64>,
    snapshots: SnapshotStore,
}

impl StateMachineStore {
    /// Restores `app` from the stored snapshot, if any. openraft then re-applies the committed
    /// entries after it. Blocking.
    pub(crate) fn open(
        app: Arc<dyn StateMachine>,
        snapshots: SnapshotStore,
        applied_index: Arc<AtomicU64>,
    ) -> io::Result<StateMachineStore> {
        let mut store = StateMachineStore {
            app,
            last_applied: None,
            membership: StoredMembership::default(),
            applied_index,
            snapshots,
        };
        if let Some((meta, data)) = store.snapshots.load()? {
            store.restore(&meta, &data);
        }
        Ok(store)
    }

    fn restore(&mut self, meta: &SnapshotMeta, data: &[u8]) {
        self.app.restore(data);
        self.last_applied = meta.last_log_id;
        self.membership = meta.last_membership.clone();
        self.publish_applied();
    }

    fn publish_applied(&self) {
        let index = self.last_applied.as_ref().map_or(0, |id| id.index);
        self.applied_index.store(index, Ordering::Release);
    }
}

impl RaftStateMachine<TypeConfig> for StateMachineStore {
    type SnapshotData = SnapshotData;
    type SnapshotBuilder = SnapshotBuilder;

    async fn applied_state(&mut self) -> io::Result<(Option<LogId>, StoredMembership)> {
        Ok((self.last_applied, self.membership.clone()))
    }

    async fn apply<Strm>(&mut self, mut entries: Strm) -> io::Result<()>
    where
        Strm: Stream<Item = io::Result<EntryResponder<TypeConfig>>> + Unpin + OptionalSend,
    {
        while let Some((entry, responder)) = entries.try_next().await? {
            let log_id = entry.log_id;
            let response = match entry.payload {
                EntryPayload::Blank => Vec::new(),
                EntryPayload::Normal(command) => self.app.apply(log_id.index, &command.0),
                EntryPayload::Membership(membership) => {
                    self.membership = StoredMembership::new(Some(log_id), membership);
                    Vec::new()
                }
            };
            self.last_applied = Some(log_id);
            // Published before responding, so a proposer sees its own index as applied.
            self.publish_applied();
            if let Some(responder) = responder {
                responder.send(response);
            }
        }
        Ok(())
    }

    async fn get_snapshot_builder(&mut self) -> SnapshotBuilder {
        // openraft runs `build_snapshot` in a separate task, concurrently with later applies,
        // so the state is captured here, on the worker, where it matches `last_applied`.
        SnapshotBuilder {
            meta: SnapshotMeta {
                last_log_id: self.last_applied,
                last_membership: self.membership.clone(),
            },
            data: self.app.snapshot(),
            snapshots: self.snapshots.clone(),
        }
    }

    async fn install_snapshot(
        &mut self,
        meta: &SnapshotMeta,
        snapshot: SnapshotData,
    ) -> io::Result<()> {
        // Persist before touching memory: a crash at any point leaves either the old or the
        // new snapshot on disk, and openraft's log matches either.
        let snapshots = self.snapshots.clone();
        let meta_owned = meta.clone();
        let snapshot = blocking(move || {
            snapshots.save(&meta_owned, &snapshot, Replace::Always)?;
            Ok(snapshot)
        })
        .await?;
        self.restore(meta, &snapshot);
        Ok(())
    }

    async fn get_current_snapshot(&mut self) -> io::Result<Option<Snapshot>> {
        let snapshots = self.snapshots.clone();
        let stored = blocking(move || snapshots.load()).await?;
        Ok(stored.map(|(meta, snapshot)| Snapshot { meta, snapshot }))
    }
}

/// A snapshot captured on the state-machine worker, written to disk by openraft's build task.
pub(crate) struct SnapshotBuilder {
    meta: SnapshotMeta,
    data: SnapshotData,
    snapshots: SnapshotStore,
}

impl RaftSnapshotBuilder<TypeConfig> for SnapshotBuilder {
    type SnapshotData = SnapshotData;

    /// Durable before returning: openraft purges the log behind the snapshot right after.
    async fn build_snapshot(&mut self) -> io::Result<Snapshot> {
        let (snapshots, meta, data) = (
            self.snapshots.clone(),
            self.meta.clone(),
            std::mem::take(&mut self.data),
        );
        let (meta, data) = blocking(move || {
            snapshots.save(&meta, &data, Replace::IfNewer)?;
            Ok((meta, data))
        })
        .await?;
        tracing::debug!(last_log_id = ?meta.last_log_id, bytes = data.len(), "raft snapshot stored");
        Ok(Snapshot {
            meta,
            snapshot: data,
        })
    }
}
