//! `shoal info`: a client section, then the daemon's `/info` laid out as
//! `docker info` lays it out (its Swarm section in full). `--format`
//! applies a Go template to the daemon's info instead.

use crate::commands::{Ctx, StatusError};
use clap::Args;
use serde_json::Value;
use shoal_gocompat::duration::human_duration;
use shoal_gocompat::template;
use shoal_gocompat::units::bytes_size;
use std::fmt::Write as _;
use std::time::Duration;

#[derive(Args, Debug, Clone, Default)]
pub struct InfoArgs {
    /// Format output using a custom template
    #[arg(short = 'f', long, value_name = "string", default_value = "")]
    pub format: String,
}

/// The `Client:` section.
pub fn client_section() -> String {
    format!(
        "Client:\n Version:    {}\n Context:    default\n Debug Mode: false\n",
        env!("CARGO_PKG_VERSION")
    )
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn n(v: &Value, key: &str) -> i64 {
    v.get(key).and_then(Value::as_i64).unwrap_or(0)
}

fn b(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn non_empty(o: &mut String, label: &str, value: &str) {
    if !value.is_empty() {
        let _ = writeln!(o, "{label} {value}");
    }
}

fn words(v: &Value) -> String {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

fn human(nanos: i64) -> String {
    human_duration(Duration::from_nanos(nanos.max(0) as u64))
}

/// docker's `printSwarmInfo`.
pub fn swarm_section(o: &mut String, info: &Value) {
    let sw = &info["Swarm"];
    let state = s(sw, "LocalNodeState");
    let _ = writeln!(o, " Swarm: {state}");
    if state == "inactive" || state == "locked" || state.is_empty() {
        return;
    }
    let _ = writeln!(o, "  NodeID: {}", s(sw, "NodeID"));
    if !s(sw, "Error").is_empty() {
        let _ = writeln!(o, "  Error: {}", s(sw, "Error"));
    }
    let manager = b(sw, "ControlAvailable");
    let _ = writeln!(o, "  Is Manager: {manager}");
    let cluster = &sw["Cluster"];
    if cluster.is_object() && manager && s(sw, "Error").is_empty() && state != "error" {
        let spec = &cluster["Spec"];
        let _ = writeln!(o, "  ClusterID: {}", s(cluster, "ID"));
        let _ = writeln!(o, "  Managers: {}", n(sw, "Managers"));
        let _ = writeln!(o, "  Nodes: {}", n(sw, "Nodes"));
        if let Some(pools) = cluster["DefaultAddrPool"].as_array() {
            let joined: String = pools
                .iter()
                .filter_map(Value::as_str)
                .map(|p| format!("{p}  "))
                .collect();
            let _ = writeln!(o, "  Default Address Pool: {joined}");
            let _ = writeln!(o, "  SubnetSize: {}", n(cluster, "SubnetSize"));
        }
        if n(cluster, "DataPathPort") > 0 {
            let _ = writeln!(o, "  Data Path Port: {}", n(cluster, "DataPathPort"));
        }
        let _ = writeln!(
            o,
            "  Orchestration:\n   Task History Retention Limit: {}",
            n(&spec["Orchestration"], "TaskHistoryRetentionLimit")
        );
        let raft = &spec["Raft"];
        let _ = writeln!(
            o,
            "  Raft:\n   Snapshot Interval: {}",
            n(raft, "SnapshotInterval")
        );
        if raft.get("KeepOldSnapshots").is_some_and(|v| !v.is_null()) {
            let _ = writeln!(
                o,
                "   Number of Old Snapshots to Retain: {}",
                n(raft, "KeepOldSnapshots")
            );
        }
        let _ = writeln!(
            o,
            "   Heartbeat Tick: {}\n   Election Tick: {}",
            n(raft, "HeartbeatTick"),
            n(raft, "ElectionTick")
        );
        let _ = writeln!(
            o,
            "  Dispatcher:\n   Heartbeat Period: {}",
            human(n(&spec["Dispatcher"], "HeartbeatPeriod"))
        );
        let ca = &spec["CAConfig"];
        let _ = writeln!(
            o,
            "  CA Configuration:\n   Expiry Duration: {}\n   Force Rotate: {}",
            human(n(ca, "NodeCertExpiry")),
            n(ca, "ForceRotate")
        );
        let _ = writeln!(
            o,
            "  Autolock Managers: {}",
            b(&spec["EncryptionConfig"], "AutoLockManagers")
        );
        let _ = writeln!(
            o,
            "  Root Rotation In Progress: {}",
            b(cluster, "RootRotationInProgress")
        );
    }
    let _ = writeln!(o, "  Node Address: {}", s(sw, "NodeAddr"));
    let mut managers: Vec<&str> = sw["RemoteManagers"]
        .as_array()
        .map(|a| a.iter().map(|m| s(m, "Addr")).collect())
        .unwrap_or_default();
    if !managers.is_empty() {
        managers.sort_unstable();
        o.push_str("  Manager Addresses:\n");
        for m in managers {
            let _ = writeln!(o, "   {m}");
        }
    }
}

/// The `Server:` section for an `/info` document.
pub fn server_section(info: &Value) -> String {
    let mut o = String::from("Server:\n");
    let _ = writeln!(o, " Containers: {}", n(info, "Containers"));
    let _ = writeln!(o, "  Running: {}", n(info, "ContainersRunning"));
    let _ = writeln!(o, "  Paused: {}", n(info, "ContainersPaused"));
    let _ = writeln!(o, "  Stopped: {}", n(info, "ContainersStopped"));
    let _ = writeln!(o, " Images: {}", n(info, "Images"));
    non_empty(&mut o, " Server Version:", s(info, "ServerVersion"));
    non_empty(&mut o, " Storage Driver:", s(info, "Driver"));
    non_empty(&mut o, " Logging Driver:", s(info, "LoggingDriver"));
    non_empty(&mut o, " Cgroup Driver:", s(info, "CgroupDriver"));
    non_empty(&mut o, " Cgroup Version:", s(info, "CgroupVersion"));
    let plugins = &info["Plugins"];
    if plugins.is_object() {
        let _ = writeln!(o, " Plugins:");
        let _ = writeln!(o, "  Volume: {}", words(&plugins["Volume"]));
        let _ = writeln!(o, "  Network: {}", words(&plugins["Network"]));
        let auth = words(&plugins["Authorization"]);
        if !auth.is_empty() {
            let _ = writeln!(o, "  Authorization: {auth}");
        }
        let _ = writeln!(o, "  Log: {}", words(&plugins["Log"]));
    }
    swarm_section(&mut o, info);
    if let Some(rt) = info["Runtimes"].as_object().filter(|m| !m.is_empty()) {
        let names: Vec<&str> = rt.keys().map(String::as_str).collect();
        let _ = writeln!(o, " Runtimes: {}", names.join(" "));
        let _ = writeln!(o, " Default Runtime: {}", s(info, "DefaultRuntime"));
    }
    non_empty(&mut o, " Kernel Version:", s(info, "KernelVersion"));
    non_empty(&mut o, " Operating System:", s(info, "OperatingSystem"));
    non_empty(&mut o, " OSType:", s(info, "OSType"));
    non_empty(&mut o, " Architecture:", s(info, "Architecture"));
    let _ = writeln!(o, " CPUs: {}", n(info, "NCPU"));
    let _ = writeln!(
        o,
        " Total Memory: {}",
        bytes_size(n(info, "MemTotal") as f64)
    );
    non_empty(&mut o, " Name:", s(info, "Name"));
    non_empty(&mut o, " ID:", s(info, "ID"));
    let _ = writeln!(o, " Docker Root Dir: {}", s(info, "DockerRootDir"));
    let _ = writeln!(o, " Debug Mode: {}", b(info, "Debug"));
    if let Some(labels) = info["Labels"].as_array().filter(|a| !a.is_empty()) {
        o.push_str(" Labels:\n");
        for l in labels.iter().filter_map(Value::as_str) {
            let _ = writeln!(o, "  {l}");
        }
    }
    let _ = writeln!(o, " Experimental: {}", b(info, "ExperimentalBuild"));
    let _ = writeln!(
        o,
        " Live Restore Enabled: {}",
        b(info, "LiveRestoreEnabled")
    );
    o.push('\n');
    o
}

pub async fn run(ctx: &mut Ctx, args: InfoArgs) -> crate::commands::CliResult {
    if !args.format.is_empty() {
        let fmt = if args.format == "json" {
            template::JSON_FORMAT
        } else {
            args.format.as_str()
        };
        let tmpl = template::parse(fmt)
            .map_err(|e| StatusError::new(64, format!("template parsing error: {e}")))?;
        let info: Value = ctx.client.get_json("/info").await?;
        let out = tmpl.render(&info).map_err(|e| anyhow::anyhow!("{e}"))?;
        ctx.println(&out)?;
        return Ok(());
    }
    ctx.print(&format!("{}\n", client_section()))?;
    let info: Value = match ctx.client.get_json("/info").await {
        Ok(info) => info,
        Err(e) => {
            ctx.print("Server:\n")?;
            ctx.eprintln(&format!("ERROR: {e}"))?;
            return Err(StatusError::new(1, "errors pretty printing info").into());
        }
    };
    ctx.print(&server_section(&info))?;
    if let Some(warnings) = info["Warnings"].as_array() {
        for w in warnings.iter().filter_map(Value::as_str) {
            ctx.eprintln(w)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn swarm_manager() {
        let info = json!({
            "Containers": 0, "ServerVersion": "0.1.0", "NCPU": 4, "MemTotal": 8336236544i64,
            "Name": "node-1", "OSType": "linux", "Architecture": "x86_64",
            "Swarm": {
                "LocalNodeState": "active", "NodeID": "n1", "NodeAddr": "10.0.0.1",
                "ControlAvailable": true, "Nodes": 1, "Managers": 1,
                "RemoteManagers": [{"NodeID": "n1", "Addr": "10.0.0.1:2377"}],
                "Cluster": {
                    "ID": "c1", "DefaultAddrPool": ["10.0.0.0/8"], "SubnetSize": 24, "DataPathPort": 4789,
                    "Spec": {
                        "Orchestration": {"TaskHistoryRetentionLimit": 5},
                        "Raft": {"SnapshotInterval": 10000, "KeepOldSnapshots": 0, "HeartbeatTick": 1, "ElectionTick": 10},
                        "Dispatcher": {"HeartbeatPeriod": 5000000000i64},
                        "CAConfig": {"NodeCertExpiry": 7776000000000000i64},
                        "EncryptionConfig": {"AutoLockManagers": false}
                    }
                }
            }
        });
        let out = server_section(&info);
        assert_eq!(
            out,
            "Server:\n Containers: 0\n  Running: 0\n  Paused: 0\n  Stopped: 0\n Images: 0\n Server Version: 0.1.0\n\
             \x20Swarm: active\n  NodeID: n1\n  Is Manager: true\n  ClusterID: c1\n  Managers: 1\n  Nodes: 1\n\
             \x20 Default Address Pool: 10.0.0.0/8  \n  SubnetSize: 24\n  Data Path Port: 4789\n\
             \x20 Orchestration:\n   Task History Retention Limit: 5\n\
             \x20 Raft:\n   Snapshot Interval: 10000\n   Number of Old Snapshots to Retain: 0\n   Heartbeat Tick: 1\n   Election Tick: 10\n\
             \x20 Dispatcher:\n   Heartbeat Period: 5 seconds\n\
             \x20 CA Configuration:\n   Expiry Duration: 3 months\n   Force Rotate: 0\n\
             \x20 Autolock Managers: false\n  Root Rotation In Progress: false\n  Node Address: 10.0.0.1\n\
             \x20 Manager Addresses:\n   10.0.0.1:2377\n\
             \x20OSType: linux\n Architecture: x86_64\n CPUs: 4\n Total Memory: 7.764GiB\n Name: node-1\n\
             \x20Docker Root Dir: \n Debug Mode: false\n Experimental: false\n Live Restore Enabled: false\n\n"
        );
    }

    #[test]
    fn inactive() {
        let mut o = String::new();
        swarm_section(&mut o, &json!({"Swarm": {"LocalNodeState": "inactive"}}));
        assert_eq!(o, " Swarm: inactive\n");
    }
}
