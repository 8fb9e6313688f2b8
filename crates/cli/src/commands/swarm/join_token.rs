//! `swarm join-token [-q] [--rotate] (worker|manager)`: shows (or rotates)
//! a join token and the command to join with it.

use crate::client::with_query;
use crate::commands::errors::Usage;
use crate::commands::node::path;
use crate::commands::Ctx;
use clap::Args;
use serde_json::Value;
use shoal_api::Node;

pub const USAGE: Usage = Usage::new(
    "shoal swarm join-token",
    "shoal swarm join-token [OPTIONS] (worker|manager)",
);

#[derive(Args, Debug, Clone, Default)]
pub struct JoinTokenArgs {
    /// Rotate join token
    #[arg(long)]
    pub rotate: bool,
    /// Only display token
    #[arg(short = 'q', long)]
    pub quiet: bool,
    #[arg(value_name = "ROLE")]
    pub role: Vec<String>,
}

/// The join instructions docker prints for a role.
pub fn join_command(role: &str, token: &str, addr: &str) -> String {
    format!(
        "To add a {role} to this swarm, run the following command:\n\n    shoal swarm join --token {token} {addr}\n\n"
    )
}

/// Prints the join command(s) for this manager (docker's
/// `printJoinCommand`); nothing when `node_id` is not a manager.
pub async fn print_join_command(
    ctx: &mut Ctx,
    node_id: &str,
    worker: bool,
    manager: bool,
) -> crate::commands::CliResult<()> {
    let node: Node = ctx.client.get_json(&path(node_id)).await?;
    let swarm: Value = ctx.client.get_json("/swarm").await?;
    if let Some(ms) = &node.manager_status {
        if worker {
            let token = swarm["JoinTokens"]["Worker"].as_str().unwrap_or_default();
            ctx.print(&join_command("worker", token, &ms.addr))?;
        }
        if manager {
            let token = swarm["JoinTokens"]["Manager"].as_str().unwrap_or_default();
            ctx.print(&join_command("manager", token, &ms.addr))?;
        }
    }
    Ok(())
}

pub async fn run(ctx: &mut Ctx, args: JoinTokenArgs) -> crate::commands::CliResult {
    USAGE.check_args(args.role.len(), 1, Some(1))?;
    let role = args.role[0].as_str();
    let (worker, manager) = (role == "worker", role == "manager");
    if !worker && !manager {
        return Err(anyhow::anyhow!("unknown role {role}").into());
    }
    if args.rotate {
        let swarm: Value = ctx.client.get_json("/swarm").await?;
        let flag = if worker {
            "rotateWorkerToken"
        } else {
            "rotateManagerToken"
        };
        let version = swarm["Version"]["Index"].as_u64().unwrap_or(0).to_string();
        let url = with_query(
            "/swarm/update",
            [("version", version.as_str()), (flag, "true")],
        );
        ctx.client.post_json(&url, &swarm["Spec"]).await?;
        if !args.quiet {
            ctx.print(&format!("Successfully rotated {role} join token.\n\n"))?;
        }
    }
    let swarm: Value = ctx.client.get_json("/swarm").await?;
    if args.quiet {
        let key = if worker { "Worker" } else { "Manager" };
        ctx.println(swarm["JoinTokens"][key].as_str().unwrap_or_default())?;
        return Ok(());
    }
    let info: Value = ctx.client.get_json("/info").await?;
    let node_id = info["Swarm"]["NodeID"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    print_join_command(ctx, &node_id, worker, manager).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_text() {
        assert_eq!(
            join_command("worker", "SWMTKN-1-abc-def", "10.0.0.1:2377"),
            "To add a worker to this swarm, run the following command:\n\n    \
             shoal swarm join --token SWMTKN-1-abc-def 10.0.0.1:2377\n\n"
        );
    }
}
