//! `service rm SERVICE...`: removes each service, printing the name as
//! given; failures are reported together at the end (exit status 1).

use super::ls::path;
use crate::commands::errors::Usage;
use crate::commands::{Ctx, StatusError};
use clap::Args;

pub const USAGE: Usage = Usage::new("shoal service rm", "shoal service rm SERVICE [SERVICE...]");

#[derive(Args, Debug, Clone, Default)]
pub struct RmArgs {
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
}

pub async fn run(ctx: &mut Ctx, args: RmArgs) -> crate::commands::CliResult {
    USAGE.check_args(args.services.len(), 1, None)?;
    let mut errors = Vec::new();
    for reference in &args.services {
        match ctx.client.delete(&path(reference)).await {
            Ok(_) => ctx.println(reference)?,
            Err(e) => errors.push(e.to_string()),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(StatusError::new(1, errors.join("\n")).into())
    }
}
