//! `secret rm SECRET...`: removes secrets, printing each name removed and reporting failures
//! together at the end.

use crate::commands::errors::Usage;
use crate::commands::secretlike::SECRETS;
use crate::commands::Ctx;
use clap::Args;

pub const USAGE: Usage = Usage::new("shoal secret rm", "shoal secret rm SECRET [SECRET...]");

#[derive(Args, Debug, Clone, Default)]
pub struct RmArgs {
    #[arg(value_name = "SECRET")]
    pub secrets: Vec<String>,
}

pub async fn run(ctx: &mut Ctx, args: RmArgs) -> crate::commands::CliResult {
    USAGE.check_args(args.secrets.len(), 1, None)?;
    SECRETS.remove(ctx, &args.secrets).await
}
