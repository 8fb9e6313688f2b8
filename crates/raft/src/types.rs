//! openraft type configuration and short aliases for the concrete types it implies.

use std::fmt;

use serde::Deserialize;
use serde::Serialize;

/// A command proposed by the application: opaque bytes, decoded only by its state machine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Command(pub(crate) Vec<u8>);

// openraft logs payloads with Display; the size is all that is safe and useful to show.
impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "command({} bytes)", self.0.len())
    }
}

openraft::declare_raft_types!(
    /// Node ids are `u64`; a node's `addr` is the advertised address stored in the membership,
    /// which is what the future gRPC transport dials.
    pub(crate) TypeConfig:
        D = Command,
        R = Vec<u8>,
        Node = openraft::BasicNode,
);

/// Snapshot payload: the bytes returned by [`StateMachine::snapshot`](crate::StateMachine).
pub(crate) type SnapshotData = Vec<u8>;

pub(crate) type Entry = openraft::alias::EntryOf<TypeConfig>;
pub(crate) type LogId = openraft::alias::LogIdOf<TypeConfig>;
pub(crate) type Vote = openraft::alias::VoteOf<TypeConfig>;
pub(crate) type Membership = openraft::Membership<u64, openraft::BasicNode>;
pub(crate) type StoredMembership = openraft::alias::StoredMembershipOf<TypeConfig>;
pub(crate) type SnapshotMeta = openraft::alias::SnapshotMetaOf<TypeConfig>;
pub(crate) type Snapshot = openraft::alias::SnapshotOf<TypeConfig, SnapshotData>;
