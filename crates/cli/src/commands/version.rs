//! `shoal version`: client and server versions, laid out like
//! `docker version` (tab-aligned, minimum width 20).

use crate::commands::{Ctx, StatusError};
use clap::Args;
use serde_json::{json, Value};
use shoal_gocompat::tabwriter::TabWriter;
use shoal_gocompat::template;
use std::fmt::Write as _;

#[derive(Args, Debug, Clone, Default)]
pub struct VersionArgs {
    /// Format output using a custom template
    #[arg(short = 'f', long, value_name = "string", default_value = "")]
    pub format: String,
}

/// What the client knows about itself.
pub fn client_info(api_version: &str) -> Value {
    json!({
        "Version": env!("CARGO_PKG_VERSION"),
        "ApiVersion": api_version,
        "Os": std::env::consts::OS,
        "Arch": std::env::consts::ARCH,
        "Context": "default",
    })
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// The default (non-template) output.
pub fn render(client: &Value, server: Option<&Value>) -> String {
    let mut t = String::new();
    let _ = write!(
        t,
        "Client:\n Version:\t{}\n API version:\t{}\n OS/Arch:\t{}/{}\n Context:\t{}",
        s(client, "Version"),
        s(client, "ApiVersion"),
        s(client, "Os"),
        s(client, "Arch"),
        s(client, "Context")
    );
    if let Some(sv) = server {
        let platform = sv["Platform"]["Name"].as_str().unwrap_or_default();
        let _ = write!(
            t,
            "\n\nServer:{}",
            if platform.is_empty() {
                String::new()
            } else {
                format!(" {platform}")
            }
        );
        let engine = json!({
            "Name": "Engine",
            "Version": sv["Version"],
            "Details": {
                "ApiVersion": sv["ApiVersion"], "MinAPIVersion": sv["MinAPIVersion"],
                "GitCommit": sv["GitCommit"], "GoVersion": sv["GoVersion"], "Os": sv["Os"],
                "Arch": sv["Arch"], "BuildTime": sv["BuildTime"],
                "Experimental": sv["Experimental"].as_bool().unwrap_or(false).to_string(),
            }
        });
        let mut components: Vec<Value> = sv["Components"].as_array().cloned().unwrap_or_default();
        if !components.iter().any(|c| s(c, "Name") == "Engine") {
            components.push(engine);
        }
        for c in &components {
            let d = &c["Details"];
            let _ = write!(t, "\n {}:", s(c, "Name"));
            if s(c, "Name") == "Engine" {
                let _ = write!(
                    t,
                    "\n  Version:\t{}\n  API version:\t{} (minimum version {})\n  Go version:\t{}\n  Git commit:\t{}\n  Built:\t{}\n  OS/Arch:\t{}/{}\n  Experimental:\t{}",
                    s(c, "Version"),
                    s(d, "ApiVersion"),
                    s(d, "MinAPIVersion"),
                    s(d, "GoVersion"),
                    s(d, "GitCommit"),
                    s(d, "BuildTime"),
                    s(d, "Os"),
                    s(d, "Arch"),
                    s(d, "Experimental")
                );
            } else {
                let _ = write!(t, "\n  Version:\t{}", s(c, "Version"));
                if let Some(details) = d.as_object() {
                    for (k, v) in details {
                        let _ = write!(t, "\n  {k}:\t{}", v.as_str().unwrap_or_default());
                    }
                }
            }
        }
    }
    t.push('\n');
    let mut tw = TabWriter::new(20, 1, 1, ' ');
    tw.write_str(&t);
    tw.finish()
}

pub async fn run(ctx: &mut Ctx, args: VersionArgs) -> crate::commands::CliResult {
    let server = ctx.client.get_json::<Value>("/version").await;
    let api = server
        .as_ref()
        .ok()
        .map(|v| s(v, "ApiVersion").to_string())
        .unwrap_or_default();
    let client = client_info(&api);
    if !args.format.is_empty() {
        let fmt = if args.format == "json" {
            template::JSON_FORMAT
        } else {
            args.format.as_str()
        };
        let tmpl = template::parse(fmt)
            .map_err(|e| StatusError::new(64, format!("template parsing error: {e}")))?;
        let data = json!({"Client": client, "Server": server.as_ref().ok()});
        let out = tmpl.render(&data).map_err(|e| anyhow::anyhow!("{e}"))?;
        ctx.println(&out)?;
    } else {
        ctx.print(&render(&client, server.as_ref().ok()))?;
    }
    server.map(|_| ()).map_err(Into::into)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        let client = json!({"Version": "0.1.0", "ApiVersion": "1.47", "Os": "linux", "Arch": "x86_64", "Context": "default"});
        let server = json!({"Version": "0.1.0", "ApiVersion": "1.47", "MinAPIVersion": "1.24", "GitCommit": "abc",
                            "GoVersion": "rust", "Os": "linux", "Arch": "x86_64", "BuildTime": "today",
                            "Platform": {"Name": "shoal"}});
        assert_eq!(
            render(&client, Some(&server)),
            "Client:\n Version:           0.1.0\n API version:       1.47\n OS/Arch:           linux/x86_64\n Context:           default\n\n\
             Server: shoal\n Engine:\n  Version:          0.1.0\n  API version:      1.47 (minimum version 1.24)\n\
             \x20 Go version:       rust\n  Git commit:       abc\n  Built:            today\n  OS/Arch:          linux/x86_64\n\
             \x20 Experimental:     false\n"
        );
    }
}
