//! The `shoal` CLI's client half, which mirrors the `docker` CLI: every
//! subcommand but `shoal daemon` lives here.
//!
//! Layout: [`app`] holds the clap grammar ([`ClientCommand`]) and the
//! dispatcher ([`run`]); [`commands`] has one file per subcommand, each
//! split into a pure part (flags to request bodies, responses to text) and a
//! thin shell that talks to the daemon. Underneath are the daemon API client
//! ([`client`]) and, in the `shoal-gocompat` crate, the Go libraries docker's
//! output depends on (`text/template` for `--format`, `tabwriter` tables,
//! Go durations and human ages, `strconv` and go-units parsing).

pub mod app;
pub mod client;
pub mod commands;

pub use app::{run, ClientCommand};
pub use commands::{CliError, CliResult};

/// Where the daemon listens when neither `-H` nor `SHOAL_HOST` says.
pub const DEFAULT_HOST: &str = "unix:///run/shoal/shoal.sock";
