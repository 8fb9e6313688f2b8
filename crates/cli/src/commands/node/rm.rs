//! `node rm [-f] NODE...`: removes nodes from the swarm (a node must be
//! down unless forced), reporting failures together at the end.

use super::path;
use crate::commands::errors::Usage;
use crate::commands::{Ctx, StatusError};
use clap::Args;

pub const USAGE: Usage = Usage::new("shoal node rm", "shoal node rm [OPTIONS] NODE [NODE...]");

#[derive(Args, Debug, Clone, Default)]
pub struct RmArgs {
    /// Force remove a node from the swarm
    #[arg(short = 'f', long)]
    pub force: bool,
    #[arg(value_name = "NODE")]
    pub nodes: Vec<String>,
}

pub async fn run(ctx: &mut Ctx, args: RmArgs) -> crate::commands::CliResult {
    USAGE.check_args(args.nodes.len(), 1, None)?;
    let mut errors = Vec::new();
    for r in &args.nodes {
        let url = if args.force {
            format!("{}?force=1", path(r))
        } else {
            path(r)
        };
        match ctx.client.delete(&url).await {
            Ok(_) => ctx.println(r)?,
            Err(e) => errors.push(e.to_string()),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(StatusError::new(1, errors.join("\n")).into())
    }
}
