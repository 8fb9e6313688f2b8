//! Configs: creation under a free name, label-only updates guarded by version, removal.

use super::{not_found, At};
use crate::error::StoreError;
use crate::state::State;
use shoal_api::{Config, Labels};

pub(super) fn create(state: &mut State, at: At, c: &Config) -> Result<(), StoreError> {
    if state.configs.contains_key(&c.id) {
        return Err(StoreError::IdConflict {
            kind: "config".into(),
            id: c.id.clone(),
        });
    }
    if state.configs.values().any(|o| o.spec.name == c.spec.name) {
        return Err(StoreError::AlreadyExists(format!(
            "config {} already exists",
            c.spec.name
        )));
    }
    let mut c = c.clone();
    c.version.index = at.index;
    c.created_at = at.now;
    c.updated_at = at.now;
    state.configs.insert(c.id.clone(), c);
    Ok(())
}

/// Replaces the labels if `expected_version` matches.
pub(super) fn update(
    state: &mut State,
    at: At,
    id: &str,
    labels: &Labels,
    expected_version: u64,
) -> Result<(), StoreError> {
    let c = state
        .configs
        .get_mut(id)
        .ok_or_else(|| not_found("config", id))?;
    if c.version.index != expected_version {
        return Err(StoreError::OutOfSequence);
    }
    c.spec.labels = labels.clone();
    c.version.index = at.index;
    c.updated_at = at.now;
    Ok(())
}

pub(super) fn delete(state: &mut State, id: &str) -> Result<(), StoreError> {
    state
        .configs
        .remove(id)
        .ok_or_else(|| not_found("config", id))?;
    Ok(())
}
