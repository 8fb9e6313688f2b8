//! Applying a committed batch to the state: the only place the state changes.
//!
//! Each op is checked and applied on its own; a refused op changes nothing and reports why,
//! the others still apply (internal writers recompute from the new state anyway, and API
//! writes are single-op batches whose result is the op's result).
//!
//! [`apply_op`] only dispatches: the ops of each kind of object are applied in that kind's
//! module ([`cluster`], [`ca`], [`nodes`], [`services`], [`secrets`], [`configs`],
//! [`networks`], [`tasks`]), and [`restore`] replaces the whole state.

mod blobs;
mod ca;
mod cluster;
mod networks;
mod nodes;
mod restore;
mod services;
mod tasks;

use crate::error::StoreError;
use crate::op::{Batch, Op};
use crate::state::State;
use shoal_api::Timestamp;

/// Where a batch is committed: its raft index, which becomes the version of what it writes,
/// and its proposer's clock.
#[derive(Debug, Clone, Copy)]
struct At {
    index: u64,
    now: Timestamp,
}

fn not_found(kind: &str, id: &str) -> StoreError {
    StoreError::NotFound {
        kind: kind.into(),
        id: id.into(),
    }
}

/// Applies `batch` committed at raft `index`; one result per op (the written version).
pub fn apply_batch(state: &mut State, index: u64, batch: &Batch) -> Vec<Result<u64, StoreError>> {
    state.index = index;
    let at = At {
        index,
        now: batch.now,
    };
    batch
        .ops
        .iter()
        .map(|op| apply_op(state, at, op).map(|_| index))
        .collect()
}

fn apply_op(state: &mut State, at: At, op: &Op) -> Result<(), StoreError> {
    match op {
        Op::Restore(restored) => restore::restore(state, at, restored),
        Op::SetUnlockKey(key) => cluster::set_unlock_key(state, at, key),
        Op::PutCluster(c) => cluster::put(state, at, c),
        Op::UpdateCluster {
            cluster,
            expected_version,
        } => cluster::update(state, at, cluster, *expected_version),
        Op::PutRootCa(ca) => ca::put_root(state, ca),
        Op::StartCaRotation(next) => ca::start_rotation(state, at, next),
        Op::CaRotationIssue => ca::rotation_issue(state),
        Op::FinishCaRotation { tokens, tls_info } => {
            ca::finish_rotation(state, at, tokens, tls_info)
        }
        Op::PutNode(n) => nodes::put(state, at, n),
        Op::UpdateNodeSpec {
            id,
            spec,
            expected_version,
        } => nodes::update_spec(state, at, id, spec, *expected_version),
        Op::SetManagerStatus { id, status } => nodes::set_manager_status(state, at, id, status),
        Op::SetNodeTlsInfo { id, tls_info } => nodes::set_tls_info(state, at, id, tls_info),
        Op::SetNodeStatus { id, status } => nodes::set_status(state, at, id, status),
        Op::DeleteNode { id } => nodes::delete(state, id),
        Op::CreateService(s) => services::create(state, at, s),
        Op::UpdateService {
            service,
            expected_version,
        } => services::update(state, at, service, *expected_version),
        Op::SetServiceUpdateStatus { id, status } => {
            services::set_update_status(state, at, id, status)
        }
        Op::DeleteService { id } => services::delete(state, id),
        Op::CreateSecret(s) => secrets(state).create(at, s),
        Op::UpdateSecret {
            id,
            labels,
            expected_version,
        } => secrets(state).update(at, id, labels, *expected_version),
        Op::DeleteSecret { id } => secrets(state).delete(id),
        Op::CreateConfig(c) => configs(state).create(at, c),
        Op::UpdateConfig {
            id,
            labels,
            expected_version,
        } => configs(state).update(at, id, labels, *expected_version),
        Op::DeleteConfig { id } => configs(state).delete(id),
        Op::CreateNetwork(n) => networks::create(state, at, n),
        Op::DeleteNetwork { id } => networks::delete(state, id),
        Op::SetNodeAddresses {
            network_id,
            addresses,
        } => networks::set_node_addresses(state, network_id, addresses),
        Op::CreateTask(t) => tasks::create(state, at, t),
        Op::AssignTask { id, node_id } => tasks::assign(state, at, id, node_id),
        Op::SetTaskPending { id, err } => tasks::set_pending(state, at, id, err),
        Op::SetTaskDesired { id, desired } => tasks::set_desired(state, at, id, *desired),
        Op::SetTaskStatus { id, status } => tasks::set_status(state, at, id, status),
        Op::SetTaskSpecVersion { id, spec_version } => {
            tasks::set_spec_version(state, at, id, *spec_version)
        }
        Op::DeleteTask { id } => tasks::delete(state, id),
    }
}

/// Applies `op` alone, committed at `index` with `index` as its clock.
fn secrets(state: &mut State) -> blobs::Blobs<'_> {
    blobs::Blobs {
        objects: &mut state.secrets,
        word: "secret",
    }
}

fn configs(state: &mut State) -> blobs::Blobs<'_> {
    blobs::Blobs {
        objects: &mut state.configs,
        word: "config",
    }
}

#[cfg(test)]
fn apply_one(state: &mut State, index: u64, op: Op) -> Result<u64, StoreError> {
    apply_batch(state, index, &Batch::new(Timestamp(index as i64), vec![op])).remove(0)
}
