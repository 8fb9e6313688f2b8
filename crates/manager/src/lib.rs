//! The manager: the cluster's brain. State replicated through raft, the control loop that
//! turns specs into tasks, the dispatcher that hands tasks to agents, the CA, and the control
//! API the HTTP layer calls. It knows nothing of agents or executors: `shoal_node` composes
//! a manager and an agent into a node and owns the node's lifecycle (init, join, roles,
//! autolock, renewal).
//!
//! Data flow: control API -> `Manager::propose` (raft) -> `ReplicatedStore` (applied on every
//! manager) -> change notification -> `reconciler` (leader only: `shoal_core::reconcile`,
//! proposes its plan) -> `dispatcher` (streams each node's assignments) -> agent -> executor;
//! the agent's status reports come back through the dispatcher as proposals.

pub mod autolock;
pub mod ca_roots;
pub mod ca_rotation;
pub mod ca_server;
pub mod clock;
pub mod control;
pub mod dispatcher;
pub mod error;
pub mod fs;
pub mod ids;
pub mod log_broker;
pub mod log_rpc;
pub mod manager;
pub mod names;
pub mod peers;
pub mod pki;
pub mod proposer;
pub mod quorum;
pub mod raft_ids;
pub mod raft_proposer;
pub mod raft_rpc;
pub mod reconciler;
pub mod replicated_store;
pub mod rpc_services;

pub use control::ControlError;
pub use dispatcher::Dispatcher;
pub use error::{DispatchError, ManagerError};
pub use ids::RandomIds;
pub use manager::Manager;
pub use replicated_store::ReplicatedStore;
