//! One module per `shoal` client subcommand, grouped like docker's
//! (`swarm`, `node`, `service`, `secret`, `config`, `network`), plus the helpers
//! they share: the output context, docker-style errors, filters, list and
//! inspect rendering.

pub mod config;
pub mod ctx;
pub mod display;
pub mod errors;
pub mod filters;
pub mod flags;
pub mod info;
pub mod inspect;
pub mod listfmt;
pub mod network;
pub mod node;
pub mod secret;
pub mod secretlike;
pub mod service;
pub mod swarm;
pub mod task;
pub mod version;

pub use ctx::Ctx;
pub use errors::{CliError, CliResult, StatusError, Usage};
