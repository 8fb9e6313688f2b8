//! A node: what `shoal daemon` runs. It composes the cluster brain (`shoal_manager`) and the
//! worker side (`shoal_agent` with an executor) the way swarmkit's node does, and owns the
//! node's lifecycle: swarm init and join, restart from its data dir, roles (promote/demote),
//! autolock, certificate renewal and CA rotation, the dispatcher its agent talks to (in
//! process on a manager, over node RPC on a worker) and the node RPC server.

mod autolock_sync;
mod brain;
mod cert_follow;
mod events;
mod force_new_cluster;
mod identity;
mod join;
mod local_dispatcher;
mod log_client;
mod node_rpc;
mod parts;
mod relay;
mod remote_dispatcher;
pub mod renewal;
mod role_watch;
mod roles;
mod runtime;
mod switch_dispatcher;

pub use join::JoinRequest;
pub use runtime::{InitRequest, LocalState, NodeRuntime, RuntimeConfig};
