//! Raft consensus for shoal managers: the glue between [openraft] and the manager's state.
//!
//! The manager hands [`RaftNode::open`] a [`StateMachine`] (its cluster store) and then
//! proposes opaque command bytes with [`RaftNode::propose`]; every manager applies the same
//! committed commands in the same order. This crate owns everything in between:
//!
//! - the durable raft log (entries, vote, committed index) in `raft-log.redb`,
//! - the latest snapshot of the state machine in `raft-snapshot.redb`,
//! - encryption at rest of log entries and snapshot data with the data key
//!   ([`RaftConfig::data_key`], seal.rs),
//! - openraft configuration (timing, snapshot policy) and its lifecycle,
//! - the peer network: openraft RPCs encoded as opaque bytes and carried by the caller's
//!   [`RaftTransport`]; the receiving side hands them to `RaftNode::handle_*`.
//!
//! No openraft type appears in the public API, so the consensus library can change without
//! touching the manager.
//!
//! [openraft]: https://docs.rs/openraft

mod codec;
mod config;
mod db;
mod error;
mod log_store;
mod network;
mod node;
mod seal;
mod snapshot_store;
mod state_machine;
#[cfg(test)]
mod suite_tests;
mod types;

pub use config::RaftConfig;
pub use error::RaftError;
pub use network::RaftTransport;
pub use network::TransportError;
pub use node::RaftNode;

/// The application's replicated state machine; commands and responses are opaque bytes
/// (the manager encodes its own command type). Implementations must be deterministic.
///
/// The instance given to [`RaftNode::open`] must start empty: `open` restores it from the
/// latest snapshot and re-applies the committed log after it.
pub trait StateMachine: Send + Sync + 'static {
    /// Applies one committed command at raft log `index`; returns the response bytes handed
    /// back to the proposer. Never fails: a rejected command is encoded in the response.
    fn apply(&self, index: u64, command: &[u8]) -> Vec<u8>;
    /// Serialises the whole state as of the last applied command.
    fn snapshot(&self) -> Vec<u8>;
    /// Replaces the whole state with a snapshot produced by `snapshot`.
    fn restore(&self, snapshot: &[u8]);
}
