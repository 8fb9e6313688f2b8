//! The client side of the `shoal` binary: the subcommands next to
//! `shoal daemon` ([`ClientCommand`]) and their dispatcher ([`run`]).
//!
//! Errors follow docker: commands fail with a [`CliError`], either a
//! [`StatusError`] (flag errors, partial failures) that carries its own
//! exit status or any other error (its text is docker's, e.g.
//! `Error response from daemon: ...`), which exits 1.
//!
//! [`StatusError`]: crate::commands::StatusError

use crate::client::Client;
use crate::commands::{
    config, info, network, node, secret, service, swarm, version, CliError, CliResult, Ctx,
};
use crate::DEFAULT_HOST;
use clap::Subcommand;

/// Every `shoal` subcommand that talks to a daemon.
#[derive(Subcommand, Debug, Clone)]
pub enum ClientCommand {
    /// Manage Swarm
    Swarm(swarm::SwarmArgs),
    /// Manage Swarm nodes
    Node(node::NodeArgs),
    /// Manage Swarm services
    // Boxed: its flags dwarf every other variant.
    Service(Box<service::ServiceArgs>),
    /// Manage Swarm secrets
    Secret(secret::SecretArgs),
    /// Manage Swarm configs
    Config(config::ConfigArgs),
    /// Manage networks
    Network(network::NetworkArgs),
    /// Display system-wide information
    Info(info::InfoArgs),
    /// Show the shoal version information
    Version(version::VersionArgs),
}

/// Runs `cmd` against the daemon at `host` (default [`DEFAULT_HOST`]) with
/// the real stdout/stderr. On failure the caller prints the error
/// ([`CliError::report`]) and exits with [`CliError::exit_code`].
pub async fn run(host: Option<String>, cmd: ClientCommand) -> CliResult {
    let host = host
        .filter(|h| !h.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_HOST.to_string());
    let client = Client::new(&host)?;
    let mut ctx = Ctx::stdio(client);
    dispatch(&mut ctx, cmd).await
}

/// Runs `cmd` with a given context (tests capture its output): a
/// [`CliError::Status`] is written to the context's stderr and its code
/// returned; any other error is returned as is (exit status 1).
pub async fn run_with(ctx: &mut Ctx, cmd: ClientCommand) -> CliResult<i32> {
    match dispatch(ctx, cmd).await {
        Ok(()) => Ok(0),
        Err(CliError::Status(status)) => {
            if !status.message.is_empty() {
                ctx.eprintln(&status.message)?;
            }
            Ok(status.code)
        }
        Err(e) => Err(e),
    }
}

/// Hands `cmd` to its command's module.
async fn dispatch(ctx: &mut Ctx, cmd: ClientCommand) -> CliResult {
    match cmd {
        ClientCommand::Swarm(a) => swarm::run(ctx, a).await,
        ClientCommand::Node(a) => node::run(ctx, a).await,
        ClientCommand::Service(a) => service::run(ctx, *a).await,
        ClientCommand::Secret(a) => secret::run(ctx, a).await,
        ClientCommand::Config(a) => config::run(ctx, a).await,
        ClientCommand::Network(a) => network::run(ctx, a).await,
        ClientCommand::Info(a) => info::run(ctx, a).await,
        ClientCommand::Version(a) => version::run(ctx, a).await,
    }
}
