//! The worker side of a node: keeps a session with a dispatcher, runs the tasks assigned to
//! this node through an executor, and reports their states back.
//!
//! The agent talks to the manager only through [`DispatcherApi`], so the in-process
//! dispatcher of a single-node swarm and a remote one reached over the network are the same
//! to it. Each task gets a [`runner`] that advances one executor step at a time, chosen by
//! the pure [`step::next_step`].

mod agent;
mod data_plane;
mod dispatcher_api;
mod logs;
mod run_spec;
mod runner;
pub mod step;

pub use agent::{Agent, AgentConfig, Stop};
pub use dispatcher_api::{Assignments, DispatcherApi, DispatcherError, StatusUpdate};
pub use run_spec::task_run;
pub use shoal_net::DataPlane;
