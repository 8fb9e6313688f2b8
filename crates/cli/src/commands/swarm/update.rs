//! `swarm update`: changes swarm settings (task history, raft snapshots,
//! dispatcher heartbeat, certificate expiry, autolock).

use super::init::{spec_flags, unlock_message, SpecArgs};
use crate::client::with_query;
use crate::commands::errors::Usage;
use crate::commands::flags::FlagParser;
use crate::commands::Ctx;
use clap::Args;
use serde_json::Value;

pub const USAGE: Usage = Usage::new("shoal swarm update", "shoal swarm update [OPTIONS]");

#[derive(Args, Debug, Clone, Default)]
pub struct UpdateArgs {
    /// Change manager autolocking setting (true|false)
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "bool")]
    pub autolock: Option<bool>,
    #[command(flatten)]
    pub spec: SpecArgs,
    #[arg(hide = true)]
    pub extra: Vec<String>,
}

pub async fn run(ctx: &mut Ctx, args: UpdateArgs) -> crate::commands::CliResult {
    let p = FlagParser { usage: &USAGE };
    let mut flags = spec_flags(&p, &args.spec)?;
    flags.autolock = args.autolock;
    USAGE.check_args(args.extra.len(), 0, Some(0))?;
    let swarm: Value = ctx.client.get_json("/swarm").await?;
    let was_locked = swarm["Spec"]["EncryptionConfig"]["AutoLockManagers"].as_bool() == Some(true);
    let mut spec = swarm["Spec"].clone();
    flags.merge_into(&mut spec);
    let version = swarm["Version"]["Index"].as_u64().unwrap_or(0).to_string();
    ctx.client
        .post_json(&with_query("/swarm/update", [("version", version)]), &spec)
        .await?;
    ctx.println("Swarm updated.")?;
    if args.autolock == Some(true) && !was_locked {
        let key: Value = ctx
            .client
            .get_json("/swarm/unlockkey")
            .await
            .map_err(|e| anyhow::anyhow!("could not fetch unlock key: {e}"))?;
        ctx.print(&unlock_message(
            key["UnlockKey"].as_str().unwrap_or_default(),
        ))?;
    }
    Ok(())
}
