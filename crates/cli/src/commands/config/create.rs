//! `config create [--label k=v] [--template-driver D] CONFIG file|-`: reads the data from a
//! file or stdin, sends it base64-encoded, prints the new config's ID.

use crate::commands::errors::Usage;
use crate::commands::secretlike::{read_data, spec, CONFIGS};
use crate::commands::Ctx;
use clap::Args;

pub const USAGE: Usage = Usage::new(
    "shoal config create",
    "shoal config create [OPTIONS] CONFIG file|-",
);

#[derive(Args, Debug, Clone, Default)]
pub struct CreateArgs {
    /// Config labels
    #[arg(short = 'l', long = "label", value_name = "list")]
    pub labels: Vec<String>,
    /// Template driver
    #[arg(long = "template-driver", value_name = "string", default_value = "")]
    pub template_driver: String,
    #[arg(value_name = "CONFIG")]
    pub args: Vec<String>,
}

pub async fn run(ctx: &mut Ctx, args: CreateArgs) -> crate::commands::CliResult {
    USAGE.check_args(args.args.len(), 2, Some(2))?;
    let (name, file) = (&args.args[0], &args.args[1]);
    let data = read_data(file)?;
    let body = spec(name, &args.labels, Some(&data), &args.template_driver);
    CONFIGS.create(ctx, &body).await
}
