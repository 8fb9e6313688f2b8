//! `secret inspect [--pretty] [--format F] SECRET...`: the daemon's JSON (which never holds
//! the data), a template, or docker's human-readable summary.

use super::ls::driver_name;
use super::path;
use crate::commands::errors::Usage;
use crate::commands::inspect::{self as inspect_fmt, Fetched};
use crate::commands::node::pretty::go_time_string;
use crate::commands::{Ctx, StatusError};
use clap::Args;
use shoal_api::Secret;
use std::fmt::Write as _;

pub const USAGE: Usage = Usage::new(
    "shoal secret inspect",
    "shoal secret inspect [OPTIONS] SECRET [SECRET...]",
);

#[derive(Args, Debug, Clone, Default)]
pub struct InspectArgs {
    /// Format output using a custom template
    #[arg(short = 'f', long, value_name = "string", default_value = "")]
    pub format: String,
    /// Print the information in a human friendly format
    #[arg(long)]
    pub pretty: bool,
    #[arg(value_name = "SECRET")]
    pub secrets: Vec<String>,
}

async fn fetch(ctx: &Ctx, r: &str) -> Fetched {
    ctx.client
        .get(&path(r))
        .await
        .map(|resp| resp.text())
        .map_err(|e| e.to_string())
}

/// docker's `secretInspectPrettyTemplate`.
pub fn pretty(s: &Secret) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "ID:              {}\nName:              {}",
        s.id, s.spec.name
    );
    if !s.spec.labels.is_empty() {
        o.push_str("\nLabels:");
        for (k, v) in &s.spec.labels {
            let _ = write!(o, "\n - {k}");
            if !v.is_empty() {
                let _ = write!(o, "={v}");
            }
        }
    }
    let _ = write!(
        o,
        "\nDriver:            {}\nCreated at:        {}\nUpdated at:        {}\n",
        driver_name(&s.spec.driver),
        go_time_string(s.created_at),
        go_time_string(s.updated_at)
    );
    o
}

pub async fn run(ctx: &mut Ctx, args: InspectArgs) -> anyhow::Result<()> {
    USAGE.check_args(args.secrets.len(), 1, None)?;
    let format = if args.pretty {
        "pretty"
    } else {
        args.format.as_str()
    };
    if format.starts_with("pretty") && format != "pretty" {
        anyhow::bail!("cannot supply extra formatting options to the pretty template");
    }
    if format == "pretty" {
        let mut out = String::new();
        for r in &args.secrets {
            let raw = fetch(ctx, r).await.map_err(|e| StatusError::new(1, e))?;
            let secret: Secret = serde_json::from_str(&raw)?;
            out.push_str(&pretty(&secret));
        }
        ctx.print(&out)?;
        return Ok(());
    }
    let mut fetched = Vec::new();
    for r in &args.secrets {
        fetched.push(fetch(ctx, r).await);
    }
    let (out, err) = inspect_fmt::render(format, &fetched)?;
    ctx.print(&out)?;
    match err {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_summary() {
        let s: Secret = serde_json::from_value(serde_json::json!({
            "ID": "abc", "CreatedAt": "2024-01-02T03:04:05.5Z", "UpdatedAt": "2024-01-02T03:04:05Z",
            "Spec": {"Name": "pw", "Labels": {"env": "prod", "flag": ""}}
        }))
        .unwrap();
        assert_eq!(
            pretty(&s),
            "ID:              abc\nName:              pw\nLabels:\n - env=prod\n - flag\n\
             Driver:            \nCreated at:        2024-01-02 03:04:05.5 +0000 UTC\n\
             Updated at:        2024-01-02 03:04:05 +0000 UTC\n"
        );
    }
}
