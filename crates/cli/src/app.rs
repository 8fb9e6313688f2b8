//! The client side of the `shoal` binary: the subcommands next to
//! `shoal daemon` ([`ClientCommand`]) and their dispatcher ([`run`]).
//!
//! Errors follow docker: a [`StatusError`] (flag errors, partial failures)
//! is printed here and its exit status returned; any other error is
//! returned for the caller to print as is (its text is docker's, e.g.
//! `Error response from daemon: ...`) with exit status 1.

use crate::client::Client;
use crate::commands::{
    config, info, network, node, secret, service, swarm, version, Ctx, StatusError,
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
/// the real stdout/stderr; returns the exit status.
pub async fn run(host: Option<String>, cmd: ClientCommand) -> anyhow::Result<i32> {
    let host = host
        .filter(|h| !h.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_HOST.to_string());
    let client = Client::new(&host)?;
    let mut ctx = Ctx::stdio(client);
    run_with(&mut ctx, cmd).await
}

/// Runs `cmd` with a given context (tests capture its output).
pub async fn run_with(ctx: &mut Ctx, cmd: ClientCommand) -> anyhow::Result<i32> {
    let result = match cmd {
        ClientCommand::Swarm(a) => swarm::run(ctx, a).await,
        ClientCommand::Node(a) => node::run(ctx, a).await,
        ClientCommand::Service(a) => service::run(ctx, *a).await,
        ClientCommand::Secret(a) => secret::run(ctx, a).await,
        ClientCommand::Config(a) => config::run(ctx, a).await,
        ClientCommand::Network(a) => network::run(ctx, a).await,
        ClientCommand::Info(a) => info::run(ctx, a).await,
        ClientCommand::Version(a) => version::run(ctx, a).await,
    };
    match result {
        Ok(()) => Ok(0),
        Err(e) => match e.downcast_ref::<StatusError>() {
            Some(status) => {
                if !status.message.is_empty() {
                    ctx.eprintln(&status.message)?;
                }
                Ok(status.code)
            }
            None => Err(e),
        },
    }
}
