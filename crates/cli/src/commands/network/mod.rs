//! `shoal network ...`: create, list, inspect and remove swarm networks, with
//! docker's grammar and output.

pub mod create;
pub mod inspect;
pub mod ls;
pub mod rm;

use crate::client::query_escape;
use crate::commands::Ctx;
use clap::{Args, Subcommand};

/// `shoal network`.
#[derive(Args, Debug, Clone)]
pub struct NetworkArgs {
    #[command(subcommand)]
    pub cmd: NetworkCommand,
}

#[derive(Subcommand, Debug, Clone)]
pub enum NetworkCommand {
    /// Create a network
    Create(create::CreateArgs),
    /// Display detailed information on one or more networks
    Inspect(inspect::InspectArgs),
    /// List networks
    #[command(visible_alias = "list")]
    Ls(ls::LsArgs),
    /// Remove one or more networks
    #[command(visible_alias = "remove")]
    Rm(rm::RmArgs),
}

pub async fn run(ctx: &mut Ctx, args: NetworkArgs) -> crate::commands::CliResult {
    match args.cmd {
        NetworkCommand::Create(a) => create::run(ctx, a).await,
        NetworkCommand::Inspect(a) => inspect::run(ctx, a).await,
        NetworkCommand::Ls(a) => ls::run(ctx, a).await,
        NetworkCommand::Rm(a) => rm::run(ctx, a).await,
    }
}

/// `/networks/<ref>` with the reference escaped.
pub fn path(reference: &str) -> String {
    format!("/networks/{}", query_escape(reference))
}
