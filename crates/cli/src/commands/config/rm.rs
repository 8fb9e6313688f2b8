//! `config rm CONFIG...`: removes configs, printing each name removed and reporting failures
//! together at the end.

use crate::commands::errors::Usage;
use crate::commands::secretlike::CONFIGS;
use crate::commands::Ctx;
use clap::Args;

pub const USAGE: Usage = Usage::new("shoal config rm", "shoal config rm CONFIG [CONFIG...]");

#[derive(Args, Debug, Clone, Default)]
pub struct RmArgs {
    #[arg(value_name = "CONFIG")]
    pub configs: Vec<String>,
}

pub async fn run(ctx: &mut Ctx, args: RmArgs) -> crate::commands::CliResult {
    USAGE.check_args(args.configs.len(), 1, None)?;
    CONFIGS.remove(ctx, &args.configs).await
}
