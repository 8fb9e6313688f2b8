//! `swarm init`: makes this node the first manager of a new swarm and
//! prints the command workers use to join it.

use super::join_token::print_join_command;
use super::{parse_availability, parse_node_addr};
use crate::commands::errors::Usage;
use crate::commands::flags::FlagParser;
use crate::commands::Ctx;
use clap::Args;
use serde_json::{json, Map, Value};
use shoal_gocompat::strconv;

pub const USAGE: Usage = Usage::new("shoal swarm init", "shoal swarm init [OPTIONS]");

#[derive(Args, Debug, Clone, Default)]
pub struct InitArgs {
    /// Advertised address (format: "<ip|interface>[:port]")
    #[arg(long, value_name = "string")]
    pub advertise_addr: Option<String>,
    /// Listen address (format: "<ip|interface>[:port]") (default 0.0.0.0:2377)
    #[arg(long, value_name = "node-addr")]
    pub listen_addr: Option<String>,
    /// Address or interface to use for data path traffic (format: "<ip|interface>")
    #[arg(long, value_name = "string")]
    pub data_path_addr: Option<String>,
    /// Force create a new cluster from current state
    #[arg(long)]
    pub force_new_cluster: bool,
    /// Enable manager autolocking (requiring an unlock key to start a stopped manager)
    #[arg(long)]
    pub autolock: bool,
    /// Availability of the node ("active", "pause", "drain") (default "active")
    #[arg(long, value_name = "string")]
    pub availability: Option<String>,
    #[command(flatten)]
    pub spec: SpecArgs,
    /// default address pool in CIDR format
    #[arg(long, value_name = "ipNetSlice")]
    pub default_addr_pool: Vec<String>,
    /// default address pool subnet mask length (default 24)
    #[arg(long, value_name = "uint32")]
    pub default_addr_pool_mask_length: Option<String>,
    #[arg(hide = true)]
    pub extra: Vec<String>,
}

/// The spec settings the swarm flags name; only flags given appear, like
/// docker's `ToSpec`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpecFlags {
    pub task_history_limit: Option<i64>,
    pub dispatcher_heartbeat: Option<i64>,
    pub snapshot_interval: Option<u64>,
    pub max_snapshots: Option<u64>,
    pub cert_expiry: Option<i64>,
    pub autolock: Option<bool>,
}

impl SpecFlags {
    /// Writes the given settings into a swarm spec (JSON, so fields shoal
    /// does not model survive an update).
    pub fn merge_into(&self, spec: &mut Value) {
        if !spec.is_object() {
            *spec = json!({});
        }
        let mut set = |section: &str, key: &str, v: Value| {
            let s = spec.as_object_mut().map(|o| {
                o.entry(section)
                    .or_insert_with(|| Value::Object(Map::new()))
            });
            if let Some(s) = s {
                if !s.is_object() {
                    *s = json!({});
                }
                s[key] = v;
            }
        };
        if let Some(v) = self.task_history_limit {
            set("Orchestration", "TaskHistoryRetentionLimit", json!(v));
        }
        if let Some(v) = self.dispatcher_heartbeat {
            set("Dispatcher", "HeartbeatPeriod", json!(v));
        }
        if let Some(v) = self.max_snapshots {
            set("Raft", "KeepOldSnapshots", json!(v));
        }
        if let Some(v) = self.snapshot_interval {
            set("Raft", "SnapshotInterval", json!(v));
        }
        if let Some(v) = self.autolock {
            set("EncryptionConfig", "AutoLockManagers", json!(v));
        }
        if let Some(v) = self.cert_expiry {
            set("CAConfig", "NodeCertExpiry", json!(v));
        }
    }
}

/// The swarm-spec flags shared by `init` and `update`, as typed.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct SpecArgs {
    /// Task history retention limit (default 5)
    #[arg(long, value_name = "int", allow_hyphen_values = true)]
    pub task_history_limit: Option<String>,
    /// Dispatcher heartbeat period (ns|us|ms|s|m|h) (default 5s)
    #[arg(long, value_name = "duration")]
    pub dispatcher_heartbeat: Option<String>,
    /// Number of log entries between Raft snapshots (default 10000)
    #[arg(long, value_name = "uint")]
    pub snapshot_interval: Option<String>,
    /// Number of additional Raft snapshots to retain
    #[arg(long, value_name = "uint")]
    pub max_snapshots: Option<String>,
    /// Validity period for node certificates (ns|us|ms|s|m|h) (default 2160h0m0s)
    #[arg(long, value_name = "duration")]
    pub cert_expiry: Option<String>,
}

/// Parses the swarm-spec flags shared by `init` and `update`.
pub fn spec_flags(
    p: &FlagParser<'_>,
    a: &SpecArgs,
) -> Result<SpecFlags, crate::commands::StatusError> {
    use crate::commands::flags::duration;
    Ok(SpecFlags {
        task_history_limit: p.opt(
            "--task-history-limit",
            &a.task_history_limit,
            strconv::parse_int,
        )?,
        dispatcher_heartbeat: p.opt("--dispatcher-heartbeat", &a.dispatcher_heartbeat, duration)?,
        snapshot_interval: p.opt(
            "--snapshot-interval",
            &a.snapshot_interval,
            strconv::parse_uint,
        )?,
        max_snapshots: p.opt("--max-snapshots", &a.max_snapshots, strconv::parse_uint)?,
        cert_expiry: p.opt("--cert-expiry", &a.cert_expiry, duration)?,
        autolock: None,
    })
}

/// The `POST /swarm/init` body for the flags.
pub fn request(args: &InitArgs) -> crate::commands::CliResult<Value> {
    let p = FlagParser { usage: &USAGE };
    let listen = p.opt("--listen-addr", &args.listen_addr, parse_node_addr)?;
    let mut spec_flags = spec_flags(&p, &args.spec)?;
    let mask = p.opt(
        "--default-addr-pool-mask-length",
        &args.default_addr_pool_mask_length,
        strconv::parse_uint,
    )?;
    USAGE.check_args(args.extra.len(), 0, Some(0))?;
    if args.autolock {
        spec_flags.autolock = Some(true);
    }
    let mut spec = json!({});
    spec_flags.merge_into(&mut spec);
    let mut req = json!({
        "ListenAddr": listen.unwrap_or_else(|| "0.0.0.0:2377".to_string()),
        "AdvertiseAddr": args.advertise_addr.clone().unwrap_or_default(),
        "DataPathAddr": args.data_path_addr.clone().unwrap_or_default(),
        "DefaultAddrPool": args.default_addr_pool,
        "ForceNewCluster": args.force_new_cluster,
        "Spec": spec,
        "AutoLockManagers": args.autolock,
        "SubnetSize": mask.unwrap_or(24),
    });
    if let Some(a) = &args.availability {
        req["Availability"] = json!(parse_availability(a).map_err(anyhow::Error::msg)?);
    }
    Ok(req)
}

pub async fn run(ctx: &mut Ctx, args: InitArgs) -> crate::commands::CliResult {
    let req = request(&args)?;
    let node_id: String = match ctx.client.post_json("/swarm/init", &req).await {
        Ok(resp) => resp.json()?,
        Err(e) => {
            let msg = e.to_string();
            if msg.contains("could not choose an IP address to advertise")
                || msg.contains("could not find the system's IP address")
            {
                return Err(anyhow::anyhow!("{msg} - specify one with --advertise-addr").into());
            }
            return Err(e.into());
        }
    };
    ctx.print(&format!(
        "Swarm initialized: current node ({node_id}) is now a manager.\n\n"
    ))?;
    print_join_command(ctx, &node_id, true, false).await?;
    ctx.println(
        "To add a manager to this swarm, run 'shoal swarm join-token manager' and follow the instructions.",
    )?;
    if args.autolock {
        let key: Value = ctx
            .client
            .get_json("/swarm/unlockkey")
            .await
            .map_err(|e| anyhow::anyhow!("could not fetch unlock key: {e}"))?;
        ctx.print(&unlock_message(
            key["UnlockKey"].as_str().unwrap_or_default(),
        ))?;
    }
    Ok(())
}

/// What docker prints after enabling autolock.
pub fn unlock_message(key: &str) -> String {
    if key.is_empty() {
        return String::new();
    }
    format!(
        "To unlock a swarm manager after it restarts, run the `shoal swarm unlock`\n\
         command and provide the following key:\n\n    {key}\n\n\
         Remember to store this key in a password manager, since without it you\n\
         will not be able to restart the manager.\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cmd {
        #[command(flatten)]
        args: InitArgs,
    }

    fn req(a: &[&str]) -> crate::commands::CliResult<Value> {
        let cmd = Cmd::try_parse_from(std::iter::once("init").chain(a.iter().copied()))?;
        request(&cmd.args)
    }

    #[test]
    fn default_request() {
        assert_eq!(
            req(&[]).unwrap(),
            json!({"ListenAddr": "0.0.0.0:2377", "AdvertiseAddr": "", "DataPathAddr": "",
                   "DefaultAddrPool": [], "ForceNewCluster": false, "Spec": {},
                   "AutoLockManagers": false, "SubnetSize": 24})
        );
    }

    #[test]
    fn flags() {
        let r = req(&[
            "--advertise-addr",
            "10.0.0.1",
            "--listen-addr",
            "10.0.0.1:4500",
            "--force-new-cluster",
            "--availability",
            "drain",
            "--task-history-limit",
            "2",
            "--autolock",
        ])
        .unwrap();
        assert_eq!(r["ListenAddr"], "10.0.0.1:4500");
        assert_eq!(r["AdvertiseAddr"], "10.0.0.1");
        assert_eq!(r["ForceNewCluster"], true);
        assert_eq!(r["Availability"], "drain");
        assert_eq!(
            r["Spec"],
            json!({"Orchestration": {"TaskHistoryRetentionLimit": 2}, "EncryptionConfig": {"AutoLockManagers": true}})
        );
        let e = req(&["--task-history-limit", "x"]).unwrap_err();
        let e = e.status().unwrap();
        assert_eq!(e.code, 125);
        assert!(e.message.starts_with(
            "invalid argument \"x\" for \"--task-history-limit\" flag: strconv.ParseInt: parsing \"x\": invalid syntax"
        ));
        assert_eq!(
            req(&["--availability", "off"]).unwrap_err().to_string(),
            "invalid availability \"off\", only active, pause and drain are supported"
        );
    }
}
