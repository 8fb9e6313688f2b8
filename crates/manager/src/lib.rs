//! The manager: cluster state replicated through raft, the control loop that turns specs
//! into tasks, the dispatcher that hands tasks to agents, the control API the HTTP layer
//! calls, and the local node's swarm lifecycle (init, restart, leave).
//!
//! Data flow: control API -> `Manager::propose` (raft) -> `ReplicatedStore` (applied on every
//! manager) -> change notification -> `reconciler` (leader only: `shoal_core::reconcile`,
//! proposes its plan) -> `dispatcher` (streams each node's tasks) -> agent -> executor; the
//! agent's status reports come back through the dispatcher as proposals.

pub mod autolock;
mod autolock_sync;
pub mod ca_rotation;
pub mod ca_server;
mod cert_follow;
pub mod control;
mod dispatcher;
mod error;
mod force_new_cluster;
mod ids;
mod join;
pub mod log_broker;
mod log_rpc;
mod manager;
mod names;
mod node_rpc;
mod parts;
pub mod pki;
pub mod quorum;
mod raft_rpc;
mod reconciler;
mod remote_dispatcher;
pub mod renewal;
mod replicated_store;
mod roles;
mod rpc_services;
mod runtime;
mod switch_dispatcher;

pub use control::ControlError;
pub use dispatcher::Dispatcher;
pub use error::ManagerError;
pub use ids::RandomIds;
pub use join::JoinRequest;
pub use manager::Manager;
pub use replicated_store::ReplicatedStore;
pub use runtime::{InitRequest, LocalState, NodeRuntime, RuntimeConfig};
