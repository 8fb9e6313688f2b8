//! `network rm [-f] NETWORK...`: removes networks one by one, printing each name removed
//! and each failure (on stderr) as it happens, then exits 1 if any failed. `--force`
//! skips networks that do not exist.

use super::path;
use crate::commands::errors::Usage;
use crate::commands::{Ctx, StatusError};
use clap::Args;

pub const USAGE: Usage = Usage::new("shoal network rm", "shoal network rm NETWORK [NETWORK...]");

#[derive(Args, Debug, Clone, Default)]
pub struct RmArgs {
    /// Do not error if the network does not exist
    #[arg(short = 'f', long)]
    pub force: bool,
    #[arg(value_name = "NETWORK")]
    pub networks: Vec<String>,
}

pub async fn run(ctx: &mut Ctx, args: RmArgs) -> crate::commands::CliResult {
    USAGE.check_args(args.networks.len(), 1, None)?;
    let mut failed = false;
    for r in &args.networks {
        match ctx.client.delete(&path(r)).await {
            Ok(_) => ctx.println(r)?,
            Err(e) if args.force && e.is_not_found() => {}
            Err(e) => {
                ctx.eprintln(&e.to_string())?;
                failed = true;
            }
        }
    }
    if failed {
        // Already reported: exit 1 with nothing more to print, as docker does.
        Err(StatusError::new(1, "").into())
    } else {
        Ok(())
    }
}
