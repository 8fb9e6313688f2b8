//! What `shoal secret` and `shoal config` share. Both are named blobs in the swarm store
//! with one object shape (`shoal_api::Config` is `shoal_api::Secret`), and docker's commands
//! for them differ only in their nouns, the secret's driver and the pretty templates: the
//! reading of the data, the list rows, inspect and rm are written once here.

use crate::client::{query_escape, with_query};
use crate::commands::display::natural_cmp;
use crate::commands::errors::Usage;
use crate::commands::filters;
use crate::commands::flags::kv_map;
use crate::commands::inspect::{self as inspect_fmt, Fetched};
use crate::commands::{Ctx, StatusError};
use base64::Engine;
use clap::Args;
use serde_json::{json, Value};
use shoal_api::{Secret, Timestamp};
use shoal_gocompat::duration::human_ago;
use std::fmt::Write as _;
use std::io::Read;

/// Secrets or configs: where the API keeps them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    /// `/secrets` or `/configs`.
    pub collection: &'static str,
}

pub const SECRETS: Kind = Kind {
    collection: "/secrets",
};
pub const CONFIGS: Kind = Kind {
    collection: "/configs",
};

impl Kind {
    /// `/secrets/<ref>` with the reference escaped.
    pub fn path(&self, reference: &str) -> String {
        format!("{}/{}", self.collection, query_escape(reference))
    }

    /// `POST <collection>/create` with `body`; prints the new object's ID.
    pub async fn create(&self, ctx: &mut Ctx, body: &Value) -> crate::commands::CliResult<()> {
        let path = format!("{}/create", self.collection);
        let resp: Value = ctx.client.post_json(&path, body).await?.json()?;
        ctx.println(resp["ID"].as_str().unwrap_or_default())?;
        Ok(())
    }

    /// `ls`: checks the flags and arguments, then fetches the filtered list.
    pub async fn list(
        &self,
        ctx: &Ctx,
        args: &LsArgs,
        usage: &Usage,
    ) -> crate::commands::CliResult<Vec<Secret>> {
        let f = filters::parse(&args.filter, usage)?;
        usage.check_args(args.extra.len(), 0, Some(0))?;
        let query: Vec<(&str, String)> = if f.is_empty() {
            vec![]
        } else {
            vec![("filters", filters::to_json(&f))]
        };
        Ok(ctx
            .client
            .get_json(&with_query(self.collection, query))
            .await?)
    }

    async fn fetch(&self, ctx: &Ctx, r: &str) -> Fetched {
        ctx.client
            .get(&self.path(r))
            .await
            .map(|resp| resp.text())
            .map_err(|e| e.to_string())
    }

    /// `inspect`: the daemon's JSON, a template, or (`--pretty`, or `-f pretty`) `pretty` of
    /// each object, printed only if all of them were found.
    pub async fn inspect(
        &self,
        ctx: &mut Ctx,
        usage: &Usage,
        (format, pretty_flag): (&str, bool),
        pretty: fn(&Secret) -> String,
        refs: &[String],
    ) -> crate::commands::CliResult<()> {
        usage.check_args(refs.len(), 1, None)?;
        let format = if pretty_flag { "pretty" } else { format };
        if format.starts_with("pretty") && format != "pretty" {
            return Err(anyhow::anyhow!(
                "cannot supply extra formatting options to the pretty template"
            )
            .into());
        }
        if format == "pretty" {
            let mut out = String::new();
            for r in refs {
                let raw = self
                    .fetch(ctx, r)
                    .await
                    .map_err(|e| StatusError::new(1, e))?;
                out.push_str(&pretty(&serde_json::from_str(&raw)?));
            }
            ctx.print(&out)?;
            return Ok(());
        }
        let mut fetched = Vec::new();
        for r in refs {
            fetched.push(self.fetch(ctx, r).await);
        }
        let (out, err) = inspect_fmt::render(format, &fetched)?;
        ctx.print(&out)?;
        match err {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    }

    /// `rm`: removes each object, printing each name removed; the failures are reported
    /// together at the end, exit status 1.
    pub async fn remove(&self, ctx: &mut Ctx, refs: &[String]) -> crate::commands::CliResult<()> {
        let mut errors = Vec::new();
        for r in refs {
            match ctx.client.delete(&self.path(r)).await {
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
}

/// The content to create from: stdin for `-`, else the file (docker's `readSecretData` and
/// `readConfigData`).
pub fn read_data(file: &str) -> anyhow::Result<Vec<u8>> {
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

/// The create body's common part: name, labels (`k=v` or `k`), base64 data and the
/// template driver if one is named.
pub fn spec(name: &str, labels: &[String], data: Option<&[u8]>, template_driver: &str) -> Value {
    let mut spec = json!({ "Name": name, "Labels": kv_map(labels) });
    if let Some(data) = data {
        spec["Data"] = json!(base64::engine::general_purpose::STANDARD.encode(data));
    }
    if !template_driver.is_empty() {
        spec["Templating"] = json!({ "Name": template_driver });
    }
    spec
}

/// `ls`'s flags, the same for both.
#[derive(Args, Debug, Clone, Default)]
pub struct LsArgs {
    /// Only display IDs
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Format output using a custom template
    #[arg(long, value_name = "string", default_value = "")]
    pub format: String,
    /// Filter output based on conditions provided
    #[arg(short = 'f', long, value_name = "filter")]
    pub filter: Vec<String>,
    #[arg(hide = true)]
    pub extra: Vec<String>,
}

/// `ls`'s rows, sorted by name: `ID`, `Name`, `CreatedAt`, `UpdatedAt` ("5 minutes ago")
/// and `Labels` (`k=v,...`), plus what `extra` adds.
pub fn rows(items: &[Secret], now: Timestamp, extra: fn(&Secret, &mut Value)) -> Vec<Value> {
    let mut sorted: Vec<&Secret> = items.iter().collect();
    sorted.sort_by(|a, b| natural_cmp(&a.spec.name, &b.spec.name));
    sorted
        .into_iter()
        .map(|s| {
            let labels: Vec<String> = s
                .spec
                .labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let mut row = json!({
                "ID": s.id,
                "Name": s.spec.name,
                "CreatedAt": human_ago(now.since(s.created_at)),
                "UpdatedAt": human_ago(now.since(s.updated_at)),
                "Labels": labels.join(","),
            });
            extra(s, &mut row);
            row
        })
        .collect()
}

/// The pretty templates' labels block: `\nLabels:` and a ` - k=v` line each (none without
/// labels).
pub fn pretty_labels(s: &Secret) -> String {
    let mut o = String::new();
    if !s.spec.labels.is_empty() {
        o.push_str("\nLabels:");
        for (k, v) in &s.spec.labels {
            let _ = write!(o, "\n - {k}");
            if !v.is_empty() {
                let _ = write!(o, "={v}");
            }
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_paths_and_read_errors() {
        let labels = vec!["env=prod".to_string(), "flag".to_string()];
        assert_eq!(
            spec("pw", &labels, Some(b"hi"), "golang"),
            json!({"Name": "pw", "Labels": {"env": "prod", "flag": ""}, "Data": "aGk=",
                   "Templating": {"Name": "golang"}})
        );
        assert_eq!(spec("x", &[], None, ""), json!({"Name": "x", "Labels": {}}));
        assert_eq!(CONFIGS.path("a/b"), "/configs/a%2Fb");
        assert!(read_data("/nonexistent/x")
            .unwrap_err()
            .to_string()
            .ends_with("open /nonexistent/x: no such file or directory"));
    }
}
