//! The cluster's root CA and its rotation (`swarm ca --rotate`): start, issue from the new
//! root, finish.

use super::At;
use crate::error::StoreError;
use crate::state::{CaRecord, CaRotation, State};
use shoal_api::{JoinTokens, TlsInfo};

fn no_rotation() -> StoreError {
    StoreError::Invalid("no CA rotation in progress".into())
}

pub(super) fn put_root(state: &mut State, ca: &CaRecord) -> Result<(), StoreError> {
    state.ca = Some(ca.clone());
    Ok(())
}

/// Starts a rotation towards `next`; only in the batch that writes the cluster.
pub(super) fn start_rotation(state: &mut State, at: At, next: &CaRecord) -> Result<(), StoreError> {
    let c = state.cluster.as_mut().ok_or(StoreError::NoCluster)?;
    if c.version.index != at.index {
        return Err(StoreError::OutOfSequence);
    }
    c.root_rotation_in_progress = true;
    state.ca_rotation = Some(CaRotation {
        next: next.clone(),
        issuing: false,
    });
    Ok(())
}

pub(super) fn rotation_issue(state: &mut State) -> Result<(), StoreError> {
    let r = state.ca_rotation.as_mut().ok_or_else(no_rotation)?;
    r.issuing = true;
    Ok(())
}

/// The new root replaces the old, with its join tokens and trust root.
pub(super) fn finish_rotation(
    state: &mut State,
    at: At,
    tokens: &JoinTokens,
    tls_info: &TlsInfo,
) -> Result<(), StoreError> {
    let r = state.ca_rotation.take().ok_or_else(no_rotation)?;
    state.ca = Some(r.next);
    let c = state.cluster.as_mut().ok_or(StoreError::NoCluster)?;
    c.root_rotation_in_progress = false;
    c.join_tokens = tokens.clone();
    c.tls_info = tls_info.clone();
    c.version.index = at.index;
    c.updated_at = at.now;
    Ok(())
}
