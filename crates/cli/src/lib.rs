//! The `shoal` CLI's client half, which mirrors the `docker` CLI: every
//! subcommand but `shoal daemon` lives here.
//!
//! Layout: [`app`] holds the clap grammar ([`ClientCommand`]) and the
//! dispatcher ([`run`]); [`commands`] has one file per subcommand, each
//! split into a pure part (flags to request bodies, responses to text) and a
//! thin shell that talks to the daemon. The building blocks underneath are
//! the daemon API client ([`client`]), Go-template `--format` support
//! ([`template`]), docker-identical table alignment ([`table`]) and Go-style
//! durations and human ages ([`duration`]).

pub mod app;
pub mod client;
pub mod commands;
pub mod duration;
pub mod table;
pub mod template;

pub use app::{run, ClientCommand};

/// Where the daemon listens when neither `-H` nor `SHOAL_HOST` says.
pub const DEFAULT_HOST: &str = "unix:///run/shoal/shoal.sock";
