//! `secret create [--label k=v] SECRET FILE|-`: reads the data from a file or stdin, sends it
//! base64-encoded, prints the new secret's ID.

use crate::commands::errors::Usage;
use crate::commands::secretlike::{self, read_data, SECRETS};
use crate::commands::Ctx;
use clap::Args;
use serde_json::{json, Value};

pub const USAGE: Usage = Usage::new(
    "shoal secret create",
    "shoal secret create [OPTIONS] SECRET [file|-]",
);

#[derive(Args, Debug, Clone, Default)]
pub struct CreateArgs {
    /// Secret labels
    #[arg(short = 'l', long = "label", value_name = "list")]
    pub labels: Vec<String>,
    /// Secret driver
    #[arg(short = 'd', long, value_name = "string", default_value = "")]
    pub driver: String,
    /// Template driver
    #[arg(long = "template-driver", value_name = "string", default_value = "")]
    pub template_driver: String,
    #[arg(value_name = "SECRET")]
    pub args: Vec<String>,
}

/// The `POST /secrets/create` body.
pub fn spec(name: &str, labels: &[String], data: Option<&[u8]>, args: &CreateArgs) -> Value {
    let mut spec = secretlike::spec(name, labels, data, &args.template_driver);
    if !args.driver.is_empty() {
        spec["Driver"] = json!({ "Name": args.driver });
    }
    spec
}

pub async fn run(ctx: &mut Ctx, args: CreateArgs) -> crate::commands::CliResult {
    USAGE.check_args(args.args.len(), 1, Some(2))?;
    let name = &args.args[0];
    let file = args.args.get(1).map(String::as_str).unwrap_or("");
    let data = if args.driver.is_empty() {
        Some(read_data(file)?)
    } else if !file.is_empty() {
        return Err(anyhow::anyhow!("When using secret driver secret data must be empty").into());
    } else {
        None
    };
    let body = spec(name, &args.labels, data.as_deref(), &args);
    SECRETS.create(ctx, &body).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body() {
        let args = CreateArgs {
            driver: "vault".into(),
            ..CreateArgs::default()
        };
        let labels = vec!["env=prod".to_string(), "flag".to_string()];
        assert_eq!(
            spec("pw", &labels, None, &args),
            json!({"Name": "pw", "Labels": {"env": "prod", "flag": ""}, "Driver": {"Name": "vault"}})
        );
    }
}
