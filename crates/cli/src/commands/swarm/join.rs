//! `swarm join --token T HOST:PORT`: joins this node to an existing swarm.

use super::{parse_availability, parse_node_addr};
use crate::commands::errors::Usage;
use crate::commands::flags::FlagParser;
use crate::commands::Ctx;
use clap::Args;
use serde_json::{json, Value};

pub const USAGE: Usage = Usage::new("shoal swarm join", "shoal swarm join [OPTIONS] HOST:PORT");

#[derive(Args, Debug, Clone, Default)]
pub struct JoinArgs {
    /// Listen address (format: "<ip|interface>[:port]") (default 0.0.0.0:2377)
    #[arg(long, value_name = "node-addr")]
    pub listen_addr: Option<String>,
    /// Advertised address (format: "<ip|interface>[:port]")
    #[arg(long, value_name = "string")]
    pub advertise_addr: Option<String>,
    /// Address or interface to use for data path traffic (format: "<ip|interface>")
    #[arg(long, value_name = "string")]
    pub data_path_addr: Option<String>,
    /// Token for entry into the swarm
    #[arg(long, value_name = "string")]
    pub token: Option<String>,
    /// Availability of the node ("active", "pause", "drain") (default "active")
    #[arg(long, value_name = "string")]
    pub availability: Option<String>,
    #[arg(value_name = "HOST:PORT")]
    pub remote: Vec<String>,
}

/// The `POST /swarm/join` body.
pub fn request(args: &JoinArgs) -> crate::commands::CliResult<Value> {
    let p = FlagParser { usage: &USAGE };
    let listen = p.opt("--listen-addr", &args.listen_addr, parse_node_addr)?;
    USAGE.check_args(args.remote.len(), 1, Some(1))?;
    let mut req = json!({
        "JoinToken": args.token.clone().unwrap_or_default(),
        "ListenAddr": listen.unwrap_or_else(|| "0.0.0.0:2377".to_string()),
        "AdvertiseAddr": args.advertise_addr.clone().unwrap_or_default(),
        "DataPathAddr": args.data_path_addr.clone().unwrap_or_default(),
        "RemoteAddrs": [args.remote[0]],
    });
    if let Some(a) = &args.availability {
        req["Availability"] = json!(parse_availability(a).map_err(anyhow::Error::msg)?);
    }
    Ok(req)
}

pub async fn run(ctx: &mut Ctx, args: JoinArgs) -> crate::commands::CliResult {
    let req = request(&args)?;
    ctx.client.post_json("/swarm/join", &req).await?;
    let info: Value = ctx.client.get_json("/info").await?;
    if info["Swarm"]["ControlAvailable"].as_bool() == Some(true) {
        ctx.println("This node joined a swarm as a manager.")?;
    } else {
        ctx.println("This node joined a swarm as a worker.")?;
    }
    Ok(())
}
