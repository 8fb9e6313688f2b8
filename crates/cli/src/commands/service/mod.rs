//! `shoal service ...`: create, inspect, list, scale, update, roll back
//! and remove services, list their tasks and show their logs. Each subcommand has its own
//! file; flag parsing and spec building are pure ([`flags`], [`parse`],
//! [`parts`], [`container`], [`spec`], [`update_spec`], [`ports`], [`mounts`]), and
//! [`progress`] follows a service until it converges.

pub mod container;
pub mod create;
pub mod file_refs;
pub mod flags;
pub mod inspect;
pub mod logs;
pub mod ls;
pub mod mounts;
pub mod parse;
pub mod parts;
pub mod ports;
pub mod pretty;
pub mod progress;
pub mod ps;
pub mod rm;
pub mod rollback;
pub mod scale;
pub mod spec;
pub mod typed;
pub mod update;
pub mod update_spec;

use crate::commands::Ctx;
use clap::{Args, Subcommand};

/// `shoal service`.
#[derive(Args, Debug, Clone)]
pub struct ServiceArgs {
    #[command(subcommand)]
    pub cmd: ServiceCommand,
}

#[derive(Subcommand, Debug, Clone)]
pub enum ServiceCommand {
    /// Create a new service
    Create(flags::CreateFlags),
    /// Display detailed information on one or more services
    Inspect(inspect::InspectArgs),
    /// Fetch the logs of a service or task
    Logs(logs::LogsArgs),
    /// List services
    #[command(visible_alias = "list")]
    Ls(ls::LsArgs),
    /// List the tasks of one or more services
    Ps(ps::PsArgs),
    /// Remove one or more services
    #[command(visible_alias = "remove")]
    Rm(rm::RmArgs),
    /// Revert changes to a service's configuration
    Rollback(rollback::RollbackArgs),
    /// Scale one or multiple replicated services
    Scale(scale::ScaleArgs),
    /// Update a service
    Update(flags::UpdateFlags),
}

pub async fn run(ctx: &mut Ctx, args: ServiceArgs) -> crate::commands::CliResult {
    match args.cmd {
        ServiceCommand::Create(f) => create::run(ctx, f).await,
        ServiceCommand::Inspect(a) => inspect::run(ctx, a).await,
        ServiceCommand::Logs(a) => logs::run(ctx, a).await,
        ServiceCommand::Ls(a) => ls::run(ctx, a).await,
        ServiceCommand::Ps(a) => ps::run(ctx, a).await,
        ServiceCommand::Rm(a) => rm::run(ctx, a).await,
        ServiceCommand::Rollback(a) => rollback::run(ctx, a).await,
        ServiceCommand::Scale(a) => scale::run(ctx, a).await,
        ServiceCommand::Update(f) => update::run(ctx, f).await,
    }
}
