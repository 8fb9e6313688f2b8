//! `shoal secret ...`: create, list, inspect and remove swarm secrets.

pub mod create;
pub mod inspect;
pub mod ls;
pub mod rm;

use crate::commands::Ctx;
use clap::{Args, Subcommand};

/// `shoal secret`.
#[derive(Args, Debug, Clone)]
pub struct SecretArgs {
    #[command(subcommand)]
    pub cmd: SecretCommand,
}

#[derive(Subcommand, Debug, Clone)]
pub enum SecretCommand {
    /// Create a secret from a file or STDIN as content
    Create(create::CreateArgs),
    /// Display detailed information on one or more secrets
    Inspect(inspect::InspectArgs),
    /// List secrets
    #[command(visible_alias = "list")]
    Ls(ls::LsArgs),
    /// Remove one or more secrets
    #[command(visible_alias = "remove")]
    Rm(rm::RmArgs),
}

pub async fn run(ctx: &mut Ctx, args: SecretArgs) -> crate::commands::CliResult {
    match args.cmd {
        SecretCommand::Create(a) => create::run(ctx, a).await,
        SecretCommand::Inspect(a) => inspect::run(ctx, a).await,
        SecretCommand::Ls(a) => ls::run(ctx, a).await,
        SecretCommand::Rm(a) => rm::run(ctx, a).await,
    }
}
