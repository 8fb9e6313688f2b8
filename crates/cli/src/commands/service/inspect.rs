//! `service inspect [--pretty] [--format F] SERVICE...`: the daemon's JSON
//! (with defaults filled in), a template per service, or docker's pretty
//! summary.

use super::ls::path;
use super::pretty;
use crate::client::{query_escape, ClientError};
use crate::commands::errors::Usage;
use crate::commands::inspect::{self as inspect_fmt, Fetched};
use crate::commands::{Ctx, StatusError};
use clap::Args;
use serde_json::Value;
use shoal_api::{Service, Timestamp};
use std::collections::BTreeMap;

pub const USAGE: Usage = Usage::new(
    "shoal service inspect",
    "shoal service inspect [OPTIONS] SERVICE [SERVICE...]",
);

#[derive(Args, Debug, Clone, Default)]
pub struct InspectArgs {
    /// Format output using a custom template
    #[arg(short = 'f', long, value_name = "string", default_value = "")]
    pub format: String,
    /// Print the information in a human friendly format
    #[arg(long)]
    pub pretty: bool,
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
}

/// The wording docker uses for a service that does not exist.
pub fn not_found(reference: &str) -> String {
    format!("Error: no such service: {reference}")
}

async fn fetch(ctx: &Ctx, reference: &str) -> Fetched {
    match ctx
        .client
        .get(&format!("{}?insertDefaults=true", path(reference)))
        .await
    {
        Ok(resp) => Ok(resp.text()),
        Err(e) if e.is_not_found() => Err(not_found(reference)),
        Err(e) => Err(e.to_string()),
    }
}

pub async fn run(ctx: &mut Ctx, args: InspectArgs) -> crate::commands::CliResult {
    USAGE.check_args(args.services.len(), 1, None)?;
    if args.pretty && !args.format.is_empty() {
        return Err(anyhow::anyhow!("--format is incompatible with human friendly format").into());
    }
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
        return run_pretty(ctx, &args.services).await;
    }
    let mut fetched = Vec::new();
    for reference in &args.services {
        fetched.push(fetch(ctx, reference).await);
    }
    // docker's "raw" format is the indented JSON.
    let format = format.strip_prefix("raw").unwrap_or(format);
    let (out, err) = inspect_fmt::render(format, &fetched)?;
    ctx.print(&out)?;
    match err {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

async fn run_pretty(ctx: &mut Ctx, references: &[String]) -> crate::commands::CliResult<()> {
    let mut out = String::new();
    for reference in references {
        let raw = fetch(ctx, reference)
            .await
            .map_err(|e| StatusError::new(1, e))?;
        let service: Service = serde_json::from_str(&raw)?;
        let names = network_names(ctx, &service).await;
        out.push_str(&pretty::render(&service, &names, Timestamp::now()));
    }
    ctx.print(&out)?;
    Ok(())
}

/// Names of the networks a service is attached to (best effort).
async fn network_names(ctx: &Ctx, service: &Service) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    let targets: Vec<String> = service
        .spec
        .task_template
        .networks
        .iter()
        .flatten()
        .map(|n| n.target.clone())
        .collect();
    for target in targets {
        let path = format!("/networks/{}?scope=swarm", query_escape(&target));
        if let Ok(net) = ctx.client.get_json::<Value>(&path).await {
            if let Some(name) = net["Name"].as_str() {
                names.insert(target, name.to_string());
            }
        }
    }
    names
}

/// Is this daemon error a 404?
pub fn is_not_found(e: &anyhow::Error) -> bool {
    e.downcast_ref::<ClientError>()
        .is_some_and(ClientError::is_not_found)
}
