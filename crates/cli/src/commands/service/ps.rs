//! `service ps SERVICE...`: the tasks of services, history included,
//! found by exact ID, exact name or unique ID prefix like docker does.

use crate::client::{query_escape, Client};
use crate::commands::errors::Usage;
use crate::commands::filters::{self, Filters};
use crate::commands::task::{self, resolve, PrintOpts};
use crate::commands::{Ctx, StatusError};
use clap::Args;
use shoal_api::{Service, Task, Timestamp};

pub const USAGE: Usage = Usage::new(
    "shoal service ps",
    "shoal service ps [OPTIONS] SERVICE [SERVICE...]",
);

#[derive(Args, Debug, Clone, Default)]
pub struct PsArgs {
    /// Only display task IDs
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Do not truncate output
    #[arg(long)]
    pub no_trunc: bool,
    /// Do not map IDs to Names
    #[arg(long)]
    pub no_resolve: bool,
    /// Pretty-print tasks using a Go template
    #[arg(long, value_name = "string", default_value = "")]
    pub format: String,
    /// Filter output based on conditions provided
    #[arg(short = 'f', long, value_name = "filter")]
    pub filter: Vec<String>,
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
}

/// Which listed services each argument names: exact ID, then exact name,
/// then a unique ID prefix. Returns the IDs and "no such service" lines.
pub fn match_services(
    args: &[String],
    by_id: &[Service],
    by_name: &[Service],
) -> Result<(Vec<String>, Vec<String>), String> {
    let mut ids = Vec::new();
    let mut not_found = Vec::new();
    for arg in args {
        if let Some(s) = by_id.iter().find(|s| &s.id == arg) {
            ids.push(s.id.clone());
            continue;
        }
        if let Some(s) = by_name.iter().find(|s| &s.spec.name == arg) {
            ids.push(s.id.clone());
            continue;
        }
        let prefixed: Vec<&Service> = by_id
            .iter()
            .filter(|s| s.id.starts_with(arg.as_str()))
            .collect();
        match prefixed.len() {
            0 => not_found.push(format!("no such service: {arg}")),
            1 => ids.push(prefixed[0].id.clone()),
            _ => {
                return Err(format!(
                    "multiple services found with provided prefix: {arg}"
                ))
            }
        }
    }
    Ok((ids, not_found))
}

async fn list(client: &Client, key: &str, values: &[String]) -> anyhow::Result<Vec<Service>> {
    let mut f = Filters::new();
    for v in values {
        filters::add(&mut f, key, v);
    }
    Ok(client
        .get_json(&format!(
            "/services?filters={}",
            query_escape(&filters::to_json(&f))
        ))
        .await?)
}

/// docker resolves `--filter node=self` (and names) to node IDs.
pub async fn resolve_node_filter(client: &Client, f: &mut Filters) -> anyhow::Result<()> {
    if let Some(nodes) = f.remove("node") {
        for reference in nodes.keys() {
            let id = crate::commands::node::reference(client, reference).await?;
            filters::add(f, "node", &id);
        }
    }
    Ok(())
}

pub async fn run(ctx: &mut Ctx, args: PsArgs) -> crate::commands::CliResult {
    let mut f = filters::parse(&args.filter, &USAGE)?;
    USAGE.check_args(args.services.len(), 1, None)?;
    let by_id = list(&ctx.client, "id", &args.services).await?;
    let by_name = list(&ctx.client, "name", &args.services).await?;
    let (ids, not_found) =
        match_services(&args.services, &by_id, &by_name).map_err(anyhow::Error::msg)?;
    if ids.is_empty() {
        return Err(anyhow::anyhow!(not_found.join("\n")).into());
    }
    for id in &ids {
        filters::add(&mut f, "service", id);
    }
    resolve_node_filter(&ctx.client, &mut f).await?;
    let tasks: Vec<Task> = ctx
        .client
        .get_json(&format!(
            "/tasks?filters={}",
            query_escape(&filters::to_json(&f))
        ))
        .await?;
    let names = resolve::names(&ctx.client, &tasks, args.no_resolve).await;
    let opts = PrintOpts {
        format: args.format.clone(),
        quiet: args.quiet,
        // docker prints whole task IDs for `service ps -q`.
        no_trunc: args.no_trunc || args.quiet,
    };
    let out = task::render(&tasks, &names, &opts, Timestamp::now())?;
    ctx.print(&out)?;
    if !not_found.is_empty() {
        return Err(StatusError::new(1, not_found.join("\n")).into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svc(id: &str, name: &str) -> Service {
        let mut s = Service {
            id: id.into(),
            ..Default::default()
        };
        s.spec.name = name.into();
        s
    }

    #[test]
    fn matching() {
        let all = vec![
            svc("abc123", "web"),
            svc("abd456", "api"),
            svc("web", "other"),
        ];
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // An exact ID wins over a name, a name over a prefix.
        assert_eq!(
            match_services(&args(&["web", "api", "abc", "nope"]), &all, &all),
            Ok((
                vec![
                    "web".to_string(),
                    "abd456".to_string(),
                    "abc123".to_string()
                ],
                vec!["no such service: nope".to_string()]
            ))
        );
        assert_eq!(
            match_services(&args(&["ab"]), &all, &all),
            Err("multiple services found with provided prefix: ab".to_string())
        );
    }
}
