//! `secret inspect [--pretty] [--format F] SECRET...`: the daemon's JSON (which never holds
//! the data), a template, or docker's human-readable summary.

use super::ls::driver_name;
use crate::commands::errors::Usage;
use crate::commands::node::pretty::go_time_string;
use crate::commands::secretlike::{pretty_labels, SECRETS};
use crate::commands::Ctx;
use clap::Args;
use shoal_api::Secret;

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

/// docker's `secretInspectPrettyTemplate`.
pub fn pretty(s: &Secret) -> String {
    format!(
        "ID:              {}\nName:              {}{}\nDriver:            {}\n\
         Created at:        {}\nUpdated at:        {}\n",
        s.id,
        s.spec.name,
        pretty_labels(s),
        driver_name(&s.spec.driver),
        go_time_string(s.created_at),
        go_time_string(s.updated_at)
    )
}

pub async fn run(ctx: &mut Ctx, args: InspectArgs) -> crate::commands::CliResult {
    let format = (args.format.as_str(), args.pretty);
    SECRETS
        .inspect(ctx, &USAGE, format, pretty, &args.secrets)
        .await
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
