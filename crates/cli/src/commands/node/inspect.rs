//! `node inspect [--pretty] [--format F] self|NODE...`.

use super::{path, pretty, reference};
use crate::commands::errors::Usage;
use crate::commands::inspect::{self as inspect_fmt, Fetched};
use crate::commands::{Ctx, StatusError};
use clap::Args;
use shoal_api::Node;

pub const USAGE: Usage = Usage::new(
    "shoal node inspect",
    "shoal node inspect [OPTIONS] self|NODE [NODE...]",
);

#[derive(Args, Debug, Clone, Default)]
pub struct InspectArgs {
    /// Format output using a custom template
    #[arg(short = 'f', long, value_name = "string", default_value = "")]
    pub format: String,
    /// Print the information in a human friendly format
    #[arg(long)]
    pub pretty: bool,
    #[arg(value_name = "NODE")]
    pub nodes: Vec<String>,
}

async fn fetch(ctx: &Ctx, r: &str) -> Fetched {
    let id = reference(&ctx.client, r).await.map_err(|e| e.to_string())?;
    ctx.client
        .get(&path(&id))
        .await
        .map(|resp| resp.text())
        .map_err(|e| e.to_string())
}

pub async fn run(ctx: &mut Ctx, args: InspectArgs) -> crate::commands::CliResult {
    USAGE.check_args(args.nodes.len(), 1, None)?;
    let format = if args.pretty {
        "pretty"
    } else {
        args.format.as_str()
    };
    if format.starts_with("pretty") && format != "pretty" {
        return Err(anyhow::anyhow!(
            "cannot supply extra formatting options to the pretty template"
        )
        .into());
    }
    if format == "pretty" {
        let mut out = String::new();
        for r in &args.nodes {
            let raw = fetch(ctx, r).await.map_err(|e| StatusError::new(1, e))?;
            let node: Node = serde_json::from_str(&raw)?;
            out.push_str(&pretty::render(&node));
        }
        ctx.print(&out)?;
        return Ok(());
    }
    let mut fetched = Vec::new();
    for r in &args.nodes {
        fetched.push(fetch(ctx, r).await);
    }
    let (out, err) = inspect_fmt::render(format, &fetched)?;
    ctx.print(&out)?;
    match err {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}
