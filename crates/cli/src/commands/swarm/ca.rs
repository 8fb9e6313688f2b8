//! `swarm ca [--rotate] [-d] [-q]`: shows the swarm's root CA certificate, or rotates the
//! root CA and follows the rotation until every live node trusts and holds certificates
//! from the new root (as `docker swarm ca --rotate` does), then shows the new certificate.

use crate::client::with_query;
use crate::commands::Ctx;
use clap::Args;
use serde_json::Value;
use std::time::Duration;

#[derive(Args, Debug, Clone, Default)]
pub struct CaArgs {
    /// Rotate the swarm CA - if no certificate or key are provided, new ones will be generated
    #[arg(long)]
    pub rotate: bool,
    /// Exit immediately instead of waiting for the root rotation to converge
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Suppress progress output
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

/// (trust roots rotated, certificates rotated, live nodes) against the cluster's root.
fn progress(swarm: &Value, nodes: &[Value]) -> (usize, usize, usize) {
    let tls = &swarm["TLSInfo"];
    let live: Vec<&Value> = nodes
        .iter()
        .filter(|n| n["Status"]["State"].as_str() != Some("down"))
        .collect();
    let trusts = live
        .iter()
        .filter(|n| n["Description"]["TLSInfo"]["TrustRoot"] == tls["TrustRoot"])
        .count();
    let certs = live
        .iter()
        .filter(|n| {
            n["Description"]["TLSInfo"]["CertIssuerPublicKey"] == tls["CertIssuerPublicKey"]
        })
        .count();
    (trusts, certs, live.len())
}

pub async fn run(ctx: &mut Ctx, args: CaArgs) -> crate::commands::CliResult {
    let swarm: Value = ctx.client.get_json("/swarm").await?;
    if !args.rotate {
        let root = swarm["TLSInfo"]["TrustRoot"].as_str().unwrap_or_default();
        ctx.print(root)?;
        return Ok(());
    }
    let mut spec = swarm["Spec"].clone();
    let next = spec["CAConfig"]["ForceRotate"].as_u64().unwrap_or(0) + 1;
    spec["CAConfig"]["ForceRotate"] = next.into();
    let version = swarm["Version"]["Index"].as_u64().unwrap_or(0).to_string();
    let url = with_query("/swarm/update", [("version", version.as_str())]);
    ctx.client.post_json(&url, &spec).await?;
    if args.detach {
        return Ok(());
    }
    let mut shown = None;
    loop {
        let swarm: Value = ctx.client.get_json("/swarm").await?;
        let nodes: Vec<Value> = ctx.client.get_json("/nodes").await?;
        let (trusts, certs, total) = progress(&swarm, &nodes);
        let done = swarm["RootRotationInProgress"].as_bool() != Some(true)
            && trusts == total
            && certs == total;
        let line = format!(
            "rotated TLS certificates: {certs}/{total} nodes\nrotated CA certificates: {trusts}/{total} nodes\n"
        );
        if !args.quiet && shown.as_ref() != Some(&line) {
            ctx.print(&line)?;
            shown = Some(line);
        }
        if done {
            ctx.print(swarm["TLSInfo"]["TrustRoot"].as_str().unwrap_or_default())?;
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
