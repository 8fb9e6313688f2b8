//! The cluster state as an in-memory, versioned object store.
//!
//! Every change is an [`Op`] inside a [`Batch`]; the raft state machine applies committed
//! batches in log order, so each replica's [`State`] is identical. `Version.Index` of a written
//! object becomes the raft index of the batch that wrote it. Synchronous and deterministic: no
//! clock reads (a batch carries its own timestamp), no I/O.

mod apply;
mod error;
mod op;
mod resolve;
#[cfg(test)]
mod secret_tests;
mod state;

pub use apply::apply_batch;
pub use error::StoreError;
pub use op::{Batch, Op};
pub use resolve::{resolve, Kind, Resolved};
pub use state::{CaRecord, CaRotation, State};
