//! `secret rm SECRET...`: removes secrets, printing each name removed and reporting failures
//! together at the end.

use super::path;
use crate::commands::errors::Usage;
use crate::commands::{Ctx, StatusError};
use clap::Args;

pub const USAGE: Usage = Usage::new("shoal secret rm", "shoal secret rm SECRET [SECRET...]");

#[derive(Args, Debug, Clone, Default)]
pub struct RmArgs {
    #[arg(value_name = "SECRET")]
    pub secrets: Vec<String>,
}

pub async fn run(ctx: &mut Ctx, args: RmArgs) -> anyhow::Result<()> {
    USAGE.check_args(args.secrets.len(), 1, None)?;
    let mut errors = Vec::new();
    for r in &args.secrets {
        match ctx.client.delete(&path(r)).await {
            Ok(_) => ctx.println(r)?,
            Err(e) => errors.push(e.to_string()),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(StatusError::new(1, errors.join("\n")).into())
    }
}
