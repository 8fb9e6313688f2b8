//! `shoal config ...`: create, list, inspect and remove swarm configs, with docker's grammar,
//! output and errors. Configs are secrets' public twins: the commands are built on the same
//! helpers ([`crate::commands::secretlike`]).

pub mod create;
pub mod inspect;
pub mod ls;
pub mod rm;

use crate::commands::Ctx;
use clap::{Args, Subcommand};

/// `shoal config`.
#[derive(Args, Debug, Clone)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub cmd: ConfigCommand,
}

#[derive(Subcommand, Debug, Clone)]
pub enum ConfigCommand {
    /// Create a config from a file or STDIN
    Create(create::CreateArgs),
    /// Display detailed information on one or more configs
    Inspect(inspect::InspectArgs),
    /// List configs
    #[command(visible_alias = "list")]
    Ls(ls::LsArgs),
    /// Remove one or more configs
    #[command(visible_alias = "remove")]
    Rm(rm::RmArgs),
}

pub async fn run(ctx: &mut Ctx, args: ConfigArgs) -> crate::commands::CliResult {
    match args.cmd {
        ConfigCommand::Create(a) => create::run(ctx, a).await,
        ConfigCommand::Inspect(a) => inspect::run(ctx, a).await,
        ConfigCommand::Ls(a) => ls::run(ctx, a).await,
        ConfigCommand::Rm(a) => rm::run(ctx, a).await,
    }
}
