//! `node promote NODE...` and `node demote NODE...`: role changes through
//! node updates, skipping nodes that already have the role.

use super::update::update_node;
use crate::commands::errors::Usage;
use crate::commands::Ctx;
use clap::Args;
use shoal_api::NodeRole;

const PROMOTE: Usage = Usage::new("shoal node promote", "shoal node promote NODE [NODE...]");
const DEMOTE: Usage = Usage::new("shoal node demote", "shoal node demote NODE [NODE...]");

#[derive(Args, Debug, Clone, Default)]
pub struct RoleArgs {
    #[arg(value_name = "NODE")]
    pub nodes: Vec<String>,
}

/// Promotes (`promote`) or demotes every node; stops at the first error,
/// as docker does.
pub async fn run(ctx: &mut Ctx, args: RoleArgs, promote: bool) -> crate::commands::CliResult {
    let usage = if promote { PROMOTE } else { DEMOTE };
    usage.check_args(args.nodes.len(), 1, None)?;
    let role = if promote {
        NodeRole::Manager
    } else {
        NodeRole::Worker
    };
    for r in &args.nodes {
        let changed = update_node(ctx, r, |ctx, node| {
            if node.spec.role == role {
                let what = if promote { "a manager" } else { "a worker" };
                let _ = ctx.println(&format!("Node {} is already {what}.", node.id));
                return Ok(false);
            }
            node.spec.role = role;
            Ok(true)
        })
        .await?;
        if changed {
            if promote {
                ctx.println(&format!("Node {r} promoted to a manager in the swarm."))?;
            } else {
                ctx.println(&format!("Manager {r} demoted in the swarm."))?;
            }
        }
    }
    Ok(())
}
