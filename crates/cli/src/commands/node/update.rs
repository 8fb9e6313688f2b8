//! `node update [--availability A] [--role R] [--label-add k=v]
//! [--label-rm k] NODE`: edits the node's spec and sends it back whole with
//! its version.

use super::{path, reference};
use crate::client::with_query;
use crate::commands::errors::Usage;
use crate::commands::flags::kv_map;
use crate::commands::Ctx;
use clap::Args;
use shoal_api::{Availability, Node, NodeRole, NodeSpec};
use shoal_gocompat::strconv::quote as go_quote;

pub const USAGE: Usage = Usage::new("shoal node update", "shoal node update [OPTIONS] NODE");

#[derive(Args, Debug, Clone, Default)]
pub struct UpdateArgs {
    /// Availability of the node ("active", "pause", "drain")
    #[arg(long, value_name = "string")]
    pub availability: Option<String>,
    /// Add or update a node label ("key=value")
    #[arg(long, value_name = "list")]
    pub label_add: Vec<String>,
    /// Remove a node label if exists
    #[arg(long, value_name = "list")]
    pub label_rm: Vec<String>,
    /// Role of the node ("worker", "manager")
    #[arg(long, value_name = "string")]
    pub role: Option<String>,
    #[arg(value_name = "NODE")]
    pub node: Vec<String>,
}

pub fn parse_availability(s: &str) -> Result<Availability, String> {
    match s.to_lowercase().as_str() {
        "active" => Ok(Availability::Active),
        "pause" => Ok(Availability::Pause),
        "drain" => Ok(Availability::Drain),
        _ => Err(format!("invalid Availability: {}", go_quote(s))),
    }
}

pub fn parse_role(s: &str) -> Result<NodeRole, String> {
    match s.to_lowercase().as_str() {
        "worker" => Ok(NodeRole::Worker),
        "manager" => Ok(NodeRole::Manager),
        _ => Err(format!("invalid Role: {}", go_quote(s))),
    }
}

/// Applies the flags to a node's spec (docker's `mergeNodeUpdate`).
pub fn merge(spec: &mut NodeSpec, args: &UpdateArgs) -> Result<(), String> {
    if let Some(r) = &args.role {
        spec.role = parse_role(r)?;
    }
    if let Some(a) = &args.availability {
        spec.availability = parse_availability(a)?;
    }
    spec.labels.extend(kv_map(&args.label_add));
    for k in &args.label_rm {
        if spec.labels.remove(k).is_none() {
            return Err(format!("key {k} doesn't exist in node's labels"));
        }
    }
    Ok(())
}

/// Fetches a node, lets `edit` change its spec, and sends it back.
/// `edit` returning `Ok(false)` means nothing to do.
pub async fn update_node(
    ctx: &mut Ctx,
    r: &str,
    edit: impl FnOnce(&mut Ctx, &mut Node) -> Result<bool, String>,
) -> anyhow::Result<bool> {
    let id = reference(&ctx.client, r).await?;
    let mut node: Node = ctx.client.get_json(&path(&id)).await?;
    if !edit(ctx, &mut node).map_err(anyhow::Error::msg)? {
        return Ok(false);
    }
    let url = with_query(
        &format!("{}/update", path(&node.id)),
        [("version", node.version.index.to_string())],
    );
    ctx.client.post_json(&url, &node.spec).await?;
    Ok(true)
}

pub async fn run(ctx: &mut Ctx, args: UpdateArgs) -> crate::commands::CliResult {
    USAGE.check_args(args.node.len(), 1, Some(1))?;
    let r = args.node[0].clone();
    update_node(ctx, &r, |_, node| {
        merge(&mut node.spec, &args).map(|_| true)
    })
    .await?;
    ctx.println(&r)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges() {
        let mut spec = NodeSpec::default();
        spec.labels.insert("old".into(), "1".into());
        let args = UpdateArgs {
            availability: Some("Drain".into()),
            role: Some("manager".into()),
            label_add: vec!["dc=east".into(), "ssd".into()],
            label_rm: vec!["old".into()],
            ..Default::default()
        };
        merge(&mut spec, &args).unwrap();
        assert_eq!(spec.availability, Availability::Drain);
        assert_eq!(spec.role, NodeRole::Manager);
        assert_eq!(
            spec.labels,
            kv_map(&["dc=east".to_string(), "ssd".to_string()])
        );
        let bad = UpdateArgs {
            label_rm: vec!["nope".into()],
            ..Default::default()
        };
        assert_eq!(
            merge(&mut spec, &bad),
            Err("key nope doesn't exist in node's labels".into())
        );
        assert_eq!(
            parse_availability("off"),
            Err("invalid Availability: \"off\"".into())
        );
        assert_eq!(parse_role("boss"), Err("invalid Role: \"boss\"".into()));
    }
}
