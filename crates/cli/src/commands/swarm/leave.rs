//! `swarm leave [-f]`: this node leaves its swarm.

use crate::commands::errors::Usage;
use crate::commands::Ctx;
use clap::Args;

pub const USAGE: Usage = Usage::new("shoal swarm leave", "shoal swarm leave [OPTIONS]");

#[derive(Args, Debug, Clone, Default)]
pub struct LeaveArgs {
    /// Force this node to leave the swarm, ignoring warnings
    #[arg(short = 'f', long)]
    pub force: bool,
    #[arg(hide = true)]
    pub extra: Vec<String>,
}

pub async fn run(ctx: &mut Ctx, args: LeaveArgs) -> crate::commands::CliResult {
    USAGE.check_args(args.extra.len(), 0, Some(0))?;
    let url = if args.force {
        "/swarm/leave?force=1"
    } else {
        "/swarm/leave"
    };
    ctx.client.post(url).await?;
    ctx.println("Node left the swarm.")?;
    Ok(())
}
