//! `node ps [NODE...]`: the tasks on nodes (this node by default).

use super::{path, reference};
use crate::client::query_escape;
use crate::commands::errors::Usage;
use crate::commands::filters;
use crate::commands::task::{self, resolve, PrintOpts};
use crate::commands::{Ctx, StatusError};
use clap::Args;
use shoal_api::{Node, Task, Timestamp};

pub const USAGE: Usage = Usage::new("shoal node ps", "shoal node ps [OPTIONS] [NODE...]");

#[derive(Args, Debug, Clone, Default)]
pub struct PsArgs {
    /// Do not truncate output
    #[arg(long)]
    pub no_trunc: bool,
    /// Do not map IDs to Names
    #[arg(long)]
    pub no_resolve: bool,
    /// Filter output based on conditions provided
    #[arg(short = 'f', long, value_name = "filter")]
    pub filter: Vec<String>,
    /// Pretty-print tasks using a Go template
    #[arg(long, value_name = "string", default_value = "")]
    pub format: String,
    /// Only display task IDs
    #[arg(short = 'q', long)]
    pub quiet: bool,
    #[arg(value_name = "NODE")]
    pub nodes: Vec<String>,
}

pub async fn run(ctx: &mut Ctx, args: PsArgs) -> crate::commands::CliResult {
    let base = filters::parse(&args.filter, &USAGE)?;
    let nodes = if args.nodes.is_empty() {
        vec!["self".to_string()]
    } else {
        args.nodes.clone()
    };
    let mut errors = Vec::new();
    let mut tasks: Vec<Task> = Vec::new();
    for r in &nodes {
        let result: anyhow::Result<Vec<Task>> = async {
            let id = reference(&ctx.client, r).await?;
            let node: Node = ctx.client.get_json(&path(&id)).await?;
            let mut f = base.clone();
            filters::add(&mut f, "node", &node.id);
            Ok(ctx
                .client
                .get_json(&format!(
                    "/tasks?filters={}",
                    query_escape(&filters::to_json(&f))
                ))
                .await?)
        }
        .await;
        match result {
            Ok(t) => tasks.extend(t),
            Err(e) => errors.push(e.to_string()),
        }
    }
    if errors.is_empty() || !tasks.is_empty() {
        let names = resolve::names(&ctx.client, &tasks, args.no_resolve).await;
        let opts = PrintOpts {
            format: args.format.clone(),
            quiet: args.quiet,
            no_trunc: args.no_trunc,
        };
        match task::render(&tasks, &names, &opts, Timestamp::now()) {
            Ok(out) => ctx.print(&out)?,
            Err(e) => errors.push(e.to_string()),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(StatusError::new(1, errors.join("\n")).into())
    }
}
