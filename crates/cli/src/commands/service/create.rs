//! `service create [OPTIONS] IMAGE [COMMAND] [ARG...]`: builds the spec
//! from the flags ([`super::spec`]), resolves network names, creates the
//! service, prints its ID and, unless `-d`, follows it until it converges.

use super::flags::CreateFlags;
use super::progress::wait_on_service;
use super::spec::{create_spec, World};
use crate::client::query_escape;
use crate::commands::Ctx;
use serde_json::Value;

pub async fn run(ctx: &mut Ctx, flags: CreateFlags) -> crate::commands::CliResult {
    let mut spec = create_spec(&flags, &World::process())?;
    if let Some(nets) = &mut spec.task_template.networks {
        for net in nets.iter_mut() {
            net.target = network_id(ctx, &net.target).await?;
        }
        nets.sort_by(|a, b| a.target.cmp(&b.target));
    }
    let resp: Value = ctx
        .client
        .post_json("/services/create", &spec)
        .await?
        .json()?;
    warnings(ctx, &resp)?;
    let id = resp["ID"].as_str().unwrap_or_default().to_string();
    ctx.println(&id)?;
    if flags.common.detach {
        return Ok(());
    }
    wait_on_service(ctx, &id, flags.common.quiet).await
}

/// A network's ID from its name or ID, as docker resolves `--network`.
async fn network_id(ctx: &Ctx, reference: &str) -> anyhow::Result<String> {
    let net: Value = ctx
        .client
        .get_json(&format!(
            "/networks/{}?scope=swarm",
            query_escape(reference)
        ))
        .await?;
    Ok(net["Id"]
        .as_str()
        .or_else(|| net["ID"].as_str())
        .unwrap_or(reference)
        .to_string())
}

/// Prints the daemon's `Warnings` to stderr.
pub fn warnings(ctx: &mut Ctx, resp: &Value) -> std::io::Result<()> {
    if let Some(ws) = resp["Warnings"].as_array() {
        for w in ws.iter().filter_map(Value::as_str) {
            ctx.eprintln(w)?;
        }
    }
    Ok(())
}
