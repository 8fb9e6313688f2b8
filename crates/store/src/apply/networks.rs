//! Swarm networks: creation under a free name, removal. Networks carry no version (Docker's
//! `NetworkResource` has none), only their creation time.

use super::{not_found, At};
use crate::error::StoreError;
use crate::state::State;
use shoal_api::network::Network;

pub(super) fn create(state: &mut State, at: At, n: &Network) -> Result<(), StoreError> {
    if state.networks.contains_key(&n.id) {
        return Err(StoreError::IdConflict {
            kind: "network".into(),
            id: n.id.clone(),
        });
    }
    if state.networks.values().any(|o| o.name == n.name) {
        return Err(StoreError::AlreadyExists(format!(
            "network with name {} already exists",
            n.name
        )));
    }
    let mut n = n.clone();
    n.created = at.now;
    state.networks.insert(n.id.clone(), n);
    Ok(())
}

pub(super) fn delete(state: &mut State, id: &str) -> Result<(), StoreError> {
    state
        .networks
        .remove(id)
        .ok_or_else(|| not_found("network", id))?;
    Ok(())
}
