//! Nodes: registration and refresh by the node itself, its spec (the API), its manager
//! status (the raft join), its TLS info and status, removal.

use super::{not_found, At};
use crate::error::StoreError;
use crate::state::State;
use shoal_api::{ManagerStatus, Node, NodeSpec, NodeStatus, TlsInfo};

/// The node `id`, for a write.
fn get<'a>(state: &'a mut State, id: &str) -> Result<&'a mut Node, StoreError> {
    state.nodes.get_mut(id).ok_or_else(|| not_found("node", id))
}

/// Creates or refreshes a node; an existing node keeps its creation time, spec and manager
/// status.
pub(super) fn put(state: &mut State, at: At, n: &Node) -> Result<(), StoreError> {
    let mut n = n.clone();
    if let Some(old) = state.nodes.get(&n.id) {
        n.created_at = old.created_at;
        n.spec = old.spec.clone();
        // Owned by other writers (the raft join), which may race a registration.
        n.manager_status = old.manager_status.clone();
    } else {
        n.created_at = at.now;
    }
    n.version.index = at.index;
    n.updated_at = at.now;
    state.nodes.insert(n.id.clone(), n);
    Ok(())
}

pub(super) fn update_spec(
    state: &mut State,
    at: At,
    id: &str,
    spec: &NodeSpec,
    expected_version: u64,
) -> Result<(), StoreError> {
    let n = get(state, id)?;
    if n.version.index != expected_version {
        return Err(StoreError::OutOfSequence);
    }
    n.spec = spec.clone();
    n.version.index = at.index;
    n.updated_at = at.now;
    Ok(())
}

pub(super) fn set_manager_status(
    state: &mut State,
    at: At,
    id: &str,
    status: &ManagerStatus,
) -> Result<(), StoreError> {
    let n = get(state, id)?;
    n.manager_status = Some(status.clone());
    n.version.index = at.index;
    n.updated_at = at.now;
    Ok(())
}

pub(super) fn set_tls_info(
    state: &mut State,
    at: At,
    id: &str,
    tls_info: &TlsInfo,
) -> Result<(), StoreError> {
    let n = get(state, id)?;
    n.description.tls_info = tls_info.clone();
    n.version.index = at.index;
    n.updated_at = at.now;
    Ok(())
}

pub(super) fn set_status(
    state: &mut State,
    at: At,
    id: &str,
    status: &NodeStatus,
) -> Result<(), StoreError> {
    let n = get(state, id)?;
    n.status = status.clone();
    n.version.index = at.index;
    n.updated_at = at.now;
    Ok(())
}

pub(super) fn delete(state: &mut State, id: &str) -> Result<(), StoreError> {
    state
        .nodes
        .remove(id)
        .ok_or_else(|| not_found("node", id))?;
    Ok(())
}
