//! `swarm unlock-key [--rotate] [-q]`: shows (or rotates) the managers' unlock key.

use super::init::unlock_message;
use crate::client::with_query;
use crate::commands::Ctx;
use clap::Args;
use serde_json::Value;

#[derive(Args, Debug, Clone, Default)]
pub struct UnlockKeyArgs {
    /// Rotate unlock key
    #[arg(long)]
    pub rotate: bool,
    /// Only display token
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

pub async fn run(ctx: &mut Ctx, args: UnlockKeyArgs) -> crate::commands::CliResult {
    if args.rotate {
        let swarm: Value = ctx.client.get_json("/swarm").await?;
        if swarm["Spec"]["EncryptionConfig"]["AutoLockManagers"].as_bool() != Some(true) {
            return Err(anyhow::anyhow!("cannot rotate because autolock is not turned on").into());
        }
        let version = swarm["Version"]["Index"].as_u64().unwrap_or(0).to_string();
        let url = with_query(
            "/swarm/update",
            [
                ("version", version.as_str()),
                ("rotateManagerUnlockKey", "true"),
            ],
        );
        ctx.client.post_json(&url, &swarm["Spec"]).await?;
        if !args.quiet {
            ctx.print("Successfully rotated manager unlock key.\n\n")?;
        }
    }
    let resp: Value = ctx
        .client
        .get_json("/swarm/unlockkey")
        .await
        .map_err(|e| anyhow::anyhow!("could not fetch unlock key: {e}"))?;
    let key = resp["UnlockKey"].as_str().unwrap_or_default();
    if key.is_empty() {
        return Err(anyhow::anyhow!("no unlock key is set").into());
    }
    if args.quiet {
        ctx.println(key)?;
    } else {
        ctx.print(&unlock_message(key))?;
    }
    Ok(())
}
