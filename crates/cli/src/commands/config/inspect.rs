//! `config inspect [--pretty] [-f F] CONFIG...`: the daemon's JSON (data included, base64),
//! a template, or docker's human-readable summary with the data decoded.

use crate::commands::errors::Usage;
use crate::commands::node::pretty::go_time_string;
use crate::commands::secretlike::{pretty_labels, CONFIGS};
use crate::commands::Ctx;
use base64::Engine;
use clap::Args;
use shoal_api::Config;

pub const USAGE: Usage = Usage::new(
    "shoal config inspect",
    "shoal config inspect [OPTIONS] CONFIG [CONFIG...]",
);

#[derive(Args, Debug, Clone, Default)]
pub struct InspectArgs {
    /// Format output using a custom template
    #[arg(short = 'f', long, value_name = "string", default_value = "")]
    pub format: String,
    /// Print the information in a human friendly format
    #[arg(long)]
    pub pretty: bool,
    #[arg(value_name = "CONFIG")]
    pub configs: Vec<String>,
}

/// docker's `configInspectPrettyTemplate` (tabs and all), the data as text.
pub fn pretty(c: &Config) -> String {
    let data = c
        .spec
        .data
        .as_deref()
        .map(
            |b64| match base64::engine::general_purpose::STANDARD.decode(b64) {
                Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                Err(_) => b64.to_string(),
            },
        )
        .unwrap_or_default();
    format!(
        "ID:\t\t\t{}\nName:\t\t\t{}{}\nCreated at:            \t{}\n\
         Updated at:            \t{}\nData:\n{data}\n",
        c.id,
        c.spec.name,
        pretty_labels(c),
        go_time_string(c.created_at),
        go_time_string(c.updated_at),
    )
}

pub async fn run(ctx: &mut Ctx, args: InspectArgs) -> crate::commands::CliResult {
    let format = (args.format.as_str(), args.pretty);
    CONFIGS
        .inspect(ctx, &USAGE, format, pretty, &args.configs)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_summary() {
        let c: Config = serde_json::from_value(serde_json::json!({
            "ID": "abc", "CreatedAt": "2024-01-02T03:04:05.5Z", "UpdatedAt": "2024-01-02T03:04:05Z",
            "Spec": {"Name": "app", "Labels": {"env": "prod", "flag": ""},
                     "Data": "Y29sb3VyPWJsdWUK"}
        }))
        .unwrap();
        assert_eq!(
            pretty(&c),
            "ID:\t\t\tabc\nName:\t\t\tapp\nLabels:\n - env=prod\n - flag\n\
             Created at:            \t2024-01-02 03:04:05.5 +0000 UTC\n\
             Updated at:            \t2024-01-02 03:04:05 +0000 UTC\nData:\ncolour=blue\n\n"
        );
        let bare = Config {
            id: "x".into(),
            ..Config::default()
        };
        assert!(pretty(&bare).ends_with("\nData:\n\n"));
    }
}
