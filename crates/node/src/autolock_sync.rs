//! Keeps this manager's DEK file in line with the swarm's autolock setting: sealed with the
//! current unlock key while autolock is on (resealed when the key rotates), stored as is
//! when it is off. Runs on every manager, since each one has its own DEK.

use crate::events::{Events, NodeEvent};
use shoal_manager::autolock::{load_dek, store_dek, UnlockKey};
use shoal_manager::manager::Manager;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::watch;

pub(crate) async fn follow(
    events: Events,
    manager: Arc<Manager>,
    raft_dir: PathBuf,
    mut stop: watch::Receiver<bool>,
) {
    let mut changes = manager.store.subscribe();
    // The key the file is sealed with, as last written by this loop (None: not yet known).
    let mut applied: Option<Option<String>> = None;
    loop {
        let want = {
            let st = manager.read();
            let on = st
                .cluster
                .as_ref()
                .is_some_and(|c| c.spec.encryption_config.auto_lock_managers);
            if on {
                st.unlock_key.clone()
            } else {
                None
            }
        };
        if st_differs(&applied, &want) {
            let asked = events
                .ask(|done| NodeEvent::Reseal {
                    raft_dir: raft_dir.clone(),
                    key: want.clone(),
                    done,
                })
                .await;
            match asked {
                Ok(()) => applied = Some(want),
                Err(e) => tracing::warn!("autolock: resealing this manager's data key: {e}"),
            }
        }
        tokio::select! {
            changed = changes.changed() => if changed.is_err() { return },
            _ = stop.changed() => return,
        }
    }
}

fn st_differs(applied: &Option<Option<String>>, want: &Option<String>) -> bool {
    applied.as_ref() != Some(want)
}

/// Reseals the DEK in `raft_dir` with `key` and makes it the node's key-encryption key.
pub(crate) fn reseal(
    kek: &std::sync::Mutex<Option<UnlockKey>>,
    raft_dir: &std::path::Path,
    key: Option<&str>,
) -> Result<(), String> {
    let new = key
        .map(UnlockKey::parse)
        .transpose()
        .map_err(|e| e.to_string())?;
    let mut kek = kek.lock().unwrap_or_else(|p| p.into_inner());
    let dek = load_dek(raft_dir, kek.as_ref()).map_err(|e| e.to_string())?;
    store_dek(raft_dir, &dek, new.as_ref()).map_err(|e| e.to_string())?;
    *kek = new;
    Ok(())
}
