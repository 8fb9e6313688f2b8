//! The cluster object (spec, join tokens) and the managers' unlock key that goes with it.

use super::At;
use crate::error::StoreError;
use crate::state::State;
use shoal_api::Cluster;

/// Sets or clears the unlock key; only in the batch that writes the cluster (the key goes with
/// a spec change, and must not apply when that change is refused).
pub(super) fn set_unlock_key(
    state: &mut State,
    at: At,
    key: &Option<String>,
) -> Result<(), StoreError> {
    let written_now = state.cluster.as_ref().map(|c| c.version.index) == Some(at.index);
    if !written_now {
        return Err(StoreError::OutOfSequence);
    }
    state.unlock_key = key.clone();
    Ok(())
}

/// Creates or replaces the cluster, keeping its creation time.
pub(super) fn put(state: &mut State, at: At, c: &Cluster) -> Result<(), StoreError> {
    let mut c = c.clone();
    c.version.index = at.index;
    if let Some(old) = &state.cluster {
        c.created_at = old.created_at;
    } else {
        c.created_at = at.now;
    }
    c.updated_at = at.now;
    state.cluster = Some(c);
    Ok(())
}

/// Replaces the spec and join tokens if `expected_version` matches.
pub(super) fn update(
    state: &mut State,
    at: At,
    cluster: &Cluster,
    expected_version: u64,
) -> Result<(), StoreError> {
    let old = state.cluster.as_mut().ok_or(StoreError::NoCluster)?;
    if old.version.index != expected_version {
        return Err(StoreError::OutOfSequence);
    }
    old.spec = cluster.spec.clone();
    old.join_tokens = cluster.join_tokens.clone();
    old.version.index = at.index;
    old.updated_at = at.now;
    Ok(())
}
