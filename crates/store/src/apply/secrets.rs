//! Secrets: creation under a free name, label-only updates guarded by version, removal.
//! (Tested in `secret_tests.rs`.)

use super::{not_found, At};
use crate::error::StoreError;
use crate::state::State;
use shoal_api::{Labels, Secret};

pub(super) fn create(state: &mut State, at: At, s: &Secret) -> Result<(), StoreError> {
    if state.secrets.contains_key(&s.id) {
        return Err(StoreError::IdConflict {
            kind: "secret".into(),
            id: s.id.clone(),
        });
    }
    if state.secret_by_name(&s.spec.name).is_some() {
        return Err(StoreError::AlreadyExists(format!(
            "secret {} already exists",
            s.spec.name
        )));
    }
    let mut s = s.clone();
    s.version.index = at.index;
    s.created_at = at.now;
    s.updated_at = at.now;
    state.secrets.insert(s.id.clone(), s);
    Ok(())
}

/// Replaces the labels if `expected_version` matches (swarmkit allows nothing else to change).
pub(super) fn update(
    state: &mut State,
    at: At,
    id: &str,
    labels: &Labels,
    expected_version: u64,
) -> Result<(), StoreError> {
    let s = state
        .secrets
        .get_mut(id)
        .ok_or_else(|| not_found("secret", id))?;
    if s.version.index != expected_version {
        return Err(StoreError::OutOfSequence);
    }
    s.spec.labels = labels.clone();
    s.version.index = at.index;
    s.updated_at = at.now;
    Ok(())
}

pub(super) fn delete(state: &mut State, id: &str) -> Result<(), StoreError> {
    state
        .secrets
        .remove(id)
        .ok_or_else(|| not_found("secret", id))?;
    Ok(())
}
