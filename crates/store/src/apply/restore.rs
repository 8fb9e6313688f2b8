//! [`Op::Restore`](crate::Op::Restore): the whole state replaced by another cluster's copy.
//!
//! Every object is re-versioned at the restoring entry, so versions keep growing in the new
//! log.

use super::At;
use crate::error::StoreError;
use crate::state::State;

pub(super) fn restore(state: &mut State, at: At, restored: &State) -> Result<(), StoreError> {
    let index = at.index;
    *state = restored.clone();
    state.index = index;
    if let Some(c) = state.cluster.as_mut() {
        c.version.index = index;
    }
    for n in state.nodes.values_mut() {
        n.version.index = index;
    }
    for s in state.services.values_mut() {
        s.version.index = index;
    }
    for t in state.tasks.values_mut() {
        t.version.index = index;
    }
    for s in state.secrets.values_mut() {
        s.version.index = index;
    }
    Ok(())
}
