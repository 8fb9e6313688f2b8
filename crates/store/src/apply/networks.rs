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

pub(super) fn set_node_addresses(
    state: &mut State,
    id: &str,
    addresses: &std::collections::BTreeMap<String, String>,
) -> Result<(), StoreError> {
    // Decided from a state that may have moved on: an address a service or a task took
    // meanwhile stays theirs, and the reconciler gives the node another one.
    let ip = |a: &str| a.split('/').next().unwrap_or_default().to_string();
    let mut used = std::collections::HashSet::new();
    for s in state.services.values() {
        for v in s.endpoint.virtual_ips.iter().filter(|v| v.network_id == id) {
            used.insert(ip(&v.addr));
        }
    }
    for t in state
        .tasks
        .values()
        .filter(|t| !t.status.state.is_terminal())
    {
        for a in t.networks_attachments.iter().filter(|a| a.network.id == id) {
            used.extend(a.addresses.iter().map(|x| ip(x)));
        }
    }
    let n = state
        .networks
        .get_mut(id)
        .ok_or_else(|| not_found("network", id))?;
    n.node_addresses = addresses
        .iter()
        .filter(|(_, a)| !used.contains(&ip(a)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(())
}
