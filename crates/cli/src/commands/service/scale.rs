//! `service scale SERVICE=N...`: sets the replica count (or a replicated
//! job's completions) of each service, then follows each one.

use super::create::warnings;
use super::ls::path;
use super::progress::wait_on_service;
use crate::client::with_query;
use crate::commands::errors::Usage;
use crate::commands::{Ctx, StatusError};
use clap::Args;
use serde_json::Value;
use shoal_api::{ReplicatedService, Service};
use shoal_gocompat::strconv;

pub const USAGE: Usage = Usage::new(
    "shoal service scale",
    "shoal service scale SERVICE=REPLICAS [SERVICE=REPLICAS...]",
);

#[derive(Args, Debug, Clone, Default)]
pub struct ScaleArgs {
    /// Exit immediately instead of waiting for the service to converge
    #[arg(short = 'd', long)]
    pub detach: bool,
    #[arg(value_name = "SERVICE=REPLICAS")]
    pub pairs: Vec<String>,
}

/// Splits `SERVICE=N` arguments, rejecting malformed ones as docker does.
pub fn split_pairs(pairs: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    USAGE.check_args(pairs.len(), 1, None)?;
    pairs
        .iter()
        .map(|arg| match arg.split_once('=') {
            Some((k, v)) if !k.is_empty() && !v.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => Err(anyhow::anyhow!(
                "invalid scale specifier '{arg}'.\nSee '{} --help'.\n\nUsage:  {}\n\nScale one or multiple replicated services",
                USAGE.path,
                USAGE.line
            )),
        })
        .collect()
}

/// Sets the new count on a fetched service's spec.
pub fn set_replicas(service: &mut Service, n: u64) -> Result<(), String> {
    let mode = &mut service.spec.mode;
    if mode.replicated.is_some() {
        mode.replicated = Some(ReplicatedService { replicas: Some(n) });
    } else if let Some(job) = mode.replicated_job.as_mut() {
        job.total_completions = Some(n);
    } else {
        return Err("scale can only be used with replicated or replicated-job mode".to_string());
    }
    Ok(())
}

pub async fn run(ctx: &mut Ctx, args: ScaleArgs) -> crate::commands::CliResult {
    let pairs = split_pairs(&args.pairs)?;
    let mut errors = Vec::new();
    let mut scaled = Vec::new();
    for (name, count) in pairs {
        let n = match strconv::parse_uint10(&count) {
            Ok(n) => n,
            Err(e) => {
                errors.push(format!("{name}: invalid replicas value {count}: {e}"));
                continue;
            }
        };
        match scale_one(ctx, &name, n).await {
            Ok(resp) => {
                warnings(ctx, &resp)?;
                ctx.println(&format!("{name} scaled to {n}"))?;
                scaled.push(name);
            }
            Err(e) => errors.push(format!("{name}: {e}")),
        }
    }
    if !args.detach {
        for name in scaled {
            if let Err(e) = wait_on_service(ctx, &name, false).await {
                errors.push(format!("{name}: {e}"));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(StatusError::new(1, errors.join("\n")).into())
    }
}

async fn scale_one(ctx: &Ctx, name: &str, n: u64) -> anyhow::Result<Value> {
    let mut service: Service = ctx.client.get_json(&path(name)).await?;
    set_replicas(&mut service, n).map_err(anyhow::Error::msg)?;
    let cs = &mut service.spec.task_template.container_spec;
    cs.image = crate::commands::display::tagged_image(&cs.image);
    let url = with_query(
        &format!("{}/update", path(&service.id)),
        [("version", service.version.index.to_string())],
    );
    Ok(ctx
        .client
        .post_json(&url, &service.spec)
        .await?
        .json()
        .unwrap_or(Value::Null))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            split_pairs(&args(&["web=3", "api=0"])).unwrap(),
            vec![("web".into(), "3".into()), ("api".into(), "0".into())]
        );
        let e = split_pairs(&args(&["web"])).unwrap_err().to_string();
        assert_eq!(
            e,
            "invalid scale specifier 'web'.\nSee 'shoal service scale --help'.\n\n\
             Usage:  shoal service scale SERVICE=REPLICAS [SERVICE=REPLICAS...]\n\n\
             Scale one or multiple replicated services"
        );
        assert!(split_pairs(&[])
            .unwrap_err()
            .to_string()
            .contains("requires at least 1 argument"));
    }

    #[test]
    fn modes() {
        let mut s = Service::default();
        s.spec.mode = shoal_api::ServiceMode::replicated(1);
        set_replicas(&mut s, 4).unwrap();
        assert_eq!(s.spec.mode, shoal_api::ServiceMode::replicated(4));
        s.spec.mode = shoal_api::ServiceMode {
            global: Some(serde_json::json!({})),
            ..Default::default()
        };
        assert_eq!(
            set_replicas(&mut s, 4),
            Err("scale can only be used with replicated or replicated-job mode".to_string())
        );
    }
}
