//! `secret create [--label k=v] SECRET FILE|-`: reads the data from a file or stdin, sends it
//! base64-encoded, prints the new secret's ID.

use crate::commands::errors::Usage;
use crate::commands::service::parts::kv_map;
use crate::commands::Ctx;
use base64::Engine;
use clap::Args;
use serde_json::{json, Value};
use std::io::Read;

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

/// The secret's content: stdin for `-`, else the file (docker's `readSecretData`).
fn read_data(file: &str) -> anyhow::Result<Vec<u8>> {
    let read = || -> std::io::Result<Vec<u8>> {
        if file == "-" {
            let mut buf = Vec::new();
            std::io::stdin().read_to_end(&mut buf)?;
            Ok(buf)
        } else {
            std::fs::read(file)
        }
    };
    read().map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => format!("open {file}: no such file or directory"),
            _ => format!("open {file}: {e}"),
        };
        anyhow::anyhow!("Error reading content from {file:?}: {why}")
    })
}

/// The `POST /secrets/create` body.
pub fn spec(name: &str, labels: &[String], data: Option<&[u8]>, args: &CreateArgs) -> Value {
    let mut spec = json!({ "Name": name, "Labels": kv_map(labels) });
    if let Some(data) = data {
        spec["Data"] = json!(base64::engine::general_purpose::STANDARD.encode(data));
    }
    if !args.driver.is_empty() {
        spec["Driver"] = json!({ "Name": args.driver });
    }
    if !args.template_driver.is_empty() {
        spec["Templating"] = json!({ "Name": args.template_driver });
    }
    spec
}

pub async fn run(ctx: &mut Ctx, args: CreateArgs) -> anyhow::Result<()> {
    USAGE.check_args(args.args.len(), 1, Some(2))?;
    let name = &args.args[0];
    let file = args.args.get(1).map(String::as_str).unwrap_or("");
    let data = if args.driver.is_empty() {
        Some(read_data(file)?)
    } else if !file.is_empty() {
        anyhow::bail!("When using secret driver secret data must be empty");
    } else {
        None
    };
    let body = spec(name, &args.labels, data.as_deref(), &args);
    let resp: Value = ctx
        .client
        .post_json("/secrets/create", &body)
        .await?
        .json()?;
    ctx.println(resp["ID"].as_str().unwrap_or_default())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body() {
        let args = CreateArgs::default();
        let labels = vec!["env=prod".to_string(), "flag".to_string()];
        assert_eq!(
            spec("pw", &labels, Some(b"hi"), &args),
            json!({"Name": "pw", "Labels": {"env": "prod", "flag": ""}, "Data": "aGk="})
        );
        assert!(read_data("/nonexistent/x")
            .unwrap_err()
            .to_string()
            .ends_with("open /nonexistent/x: no such file or directory"));
    }
}
