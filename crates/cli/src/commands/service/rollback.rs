//! `service rollback SERVICE`: asks the daemon to go back to the previous
//! spec (`rollback=previous`) and follows the rollback.

use super::create::warnings;
use super::ls::path;
use super::progress::wait_on_service;
use crate::client::with_query;
use crate::commands::errors::Usage;
use crate::commands::Ctx;
use clap::Args;
use serde_json::Value;
use shoal_api::Service;

pub const USAGE: Usage = Usage::new(
    "shoal service rollback",
    "shoal service rollback [OPTIONS] SERVICE",
);

#[derive(Args, Debug, Clone, Default)]
pub struct RollbackArgs {
    /// Suppress progress output
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Exit immediately instead of waiting for the service to converge
    #[arg(short = 'd', long)]
    pub detach: bool,
    #[arg(value_name = "SERVICE")]
    pub service: Vec<String>,
}

pub async fn run(ctx: &mut Ctx, args: RollbackArgs) -> crate::commands::CliResult {
    USAGE.check_args(args.service.len(), 1, Some(1))?;
    let reference = &args.service[0];
    let mut service: Service = ctx.client.get_json(&path(reference)).await?;
    let cs = &mut service.spec.task_template.container_spec;
    cs.image = crate::commands::display::tagged_image(&cs.image);
    let url = with_query(
        &format!("{}/update", path(&service.id)),
        [
            ("version", service.version.index.to_string()),
            ("rollback", "previous".to_string()),
        ],
    );
    let resp: Value = ctx
        .client
        .post_json(&url, &service.spec)
        .await?
        .json()
        .unwrap_or(Value::Null);
    warnings(ctx, &resp)?;
    ctx.println(reference)?;
    if args.detach {
        return Ok(());
    }
    wait_on_service(ctx, reference, args.quiet).await
}
