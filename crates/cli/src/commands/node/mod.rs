//! `shoal node ...`: list, inspect, update, promote, demote and remove
//! swarm nodes, and list the tasks running on them.

pub mod inspect;
pub mod ls;
pub mod pretty;
pub mod promote;
pub mod ps;
pub mod rm;
pub mod update;

use crate::client::{query_escape, Client};
use crate::commands::Ctx;
use clap::{Args, Subcommand};
use serde_json::Value;

/// `shoal node`.
#[derive(Args, Debug, Clone)]
pub struct NodeArgs {
    #[command(subcommand)]
    pub cmd: NodeCommand,
}

#[derive(Subcommand, Debug, Clone)]
pub enum NodeCommand {
    /// Demote one or more nodes from manager in the swarm
    Demote(promote::RoleArgs),
    /// Display detailed information on one or more nodes
    Inspect(inspect::InspectArgs),
    /// List nodes in the swarm
    #[command(visible_alias = "list")]
    Ls(ls::LsArgs),
    /// Promote one or more nodes to manager in the swarm
    Promote(promote::RoleArgs),
    /// List tasks running on one or more nodes, defaults to current node
    Ps(ps::PsArgs),
    /// Remove one or more nodes from the swarm
    #[command(visible_alias = "remove")]
    Rm(rm::RmArgs),
    /// Update a node
    Update(update::UpdateArgs),
}

pub async fn run(ctx: &mut Ctx, args: NodeArgs) -> crate::commands::CliResult {
    match args.cmd {
        NodeCommand::Demote(a) => promote::run(ctx, a, false).await,
        NodeCommand::Inspect(a) => inspect::run(ctx, a).await,
        NodeCommand::Ls(a) => ls::run(ctx, a).await,
        NodeCommand::Promote(a) => promote::run(ctx, a, true).await,
        NodeCommand::Ps(a) => ps::run(ctx, a).await,
        NodeCommand::Rm(a) => rm::run(ctx, a).await,
        NodeCommand::Update(a) => update::run(ctx, a).await,
    }
}

/// A node reference as the API takes it: `self` becomes this node's ID
/// (from `/info`); anything else is passed through.
pub async fn reference(client: &Client, reference: &str) -> anyhow::Result<String> {
    if reference != "self" {
        return Ok(reference.to_string());
    }
    let info: Value = client.get_json("/info").await?;
    match info["Swarm"]["NodeID"].as_str().filter(|id| !id.is_empty()) {
        Some(id) => Ok(id.to_string()),
        None => {
            // Not a manager: the node list says why more precisely.
            client.get("/nodes").await?;
            anyhow::bail!("node ID not found in /info")
        }
    }
}

/// `/nodes/<ref>` with the reference escaped.
pub fn path(reference: &str) -> String {
    format!("/nodes/{}", query_escape(reference))
}
