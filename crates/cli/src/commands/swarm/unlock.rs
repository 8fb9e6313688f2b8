//! `swarm unlock`: gives a locked manager (autolock) its unlock key, read from stdin.

use crate::commands::Ctx;
use clap::Args;
use serde_json::{json, Value};
use std::io::BufRead;

#[derive(Args, Debug, Clone, Default)]
pub struct UnlockArgs {}

pub async fn run(ctx: &mut Ctx, _args: UnlockArgs) -> crate::commands::CliResult {
    // Like docker: check the node's state before asking for the key.
    let info: Value = ctx.client.get_json("/info").await?;
    match info["Swarm"]["LocalNodeState"].as_str().unwrap_or_default() {
        "inactive" => return Err(anyhow::anyhow!("Error: This node is not part of a swarm").into()),
        "locked" => {}
        _ => return Err(anyhow::anyhow!("Error: swarm is not locked").into()),
    }
    eprint!("Please enter unlock key: ");
    let mut key = String::new();
    std::io::stdin().lock().read_line(&mut key)?;
    ctx.client
        .post_json("/swarm/unlock", &json!({ "UnlockKey": key.trim() }))
        .await?;
    Ok(())
}
