//! `service logs SERVICE|TASK`: the lines of a service's tasks (or one task's) from every
//! node, each prefixed like docker's: `web.1.abcdef123456@node1    | line`.
//!
//! The request always asks for `details` (node, service and task ids with each line); the
//! prefix is built from them, resolving names unless `--no-resolve`.

use super::ls::path;
use crate::client::{query_escape, with_query};
use crate::commands::errors::Usage;
use crate::commands::Ctx;
use clap::Args;
use shoal_api::{Node, Service, Task};
use std::collections::HashMap;
use std::time::{Duration, SystemTime};

pub const USAGE: Usage = Usage::new(
    "shoal service logs",
    "shoal service logs [OPTIONS] SERVICE|TASK",
);

#[derive(Args, Debug, Clone, Default)]
pub struct LogsArgs {
    /// Show extra details provided to logs
    #[arg(long)]
    pub details: bool,
    /// Follow log output
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// Do not map IDs to Names in output
    #[arg(long)]
    pub no_resolve: bool,
    /// Do not include task IDs in output
    #[arg(long)]
    pub no_task_ids: bool,
    /// Do not truncate output
    #[arg(long)]
    pub no_trunc: bool,
    /// Do not neatly format logs
    #[arg(long)]
    pub raw: bool,
    /// Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)
    #[arg(long)]
    pub since: Option<String>,
    /// Number of lines to show from the end of the logs
    #[arg(short = 'n', long, default_value = "all")]
    pub tail: String,
    /// Show timestamps
    #[arg(short = 't', long)]
    pub timestamps: bool,
    #[arg(value_name = "SERVICE|TASK")]
    pub target: Vec<String>,
}

pub async fn run(ctx: &mut Ctx, args: LogsArgs) -> crate::commands::CliResult {
    USAGE.check_args(args.target.len(), 1, Some(1))?;
    let reference = &args.target[0];
    // A service by that name or id, else a task (as docker does).
    let (logs_path, service_id) = match ctx.client.get_json::<Service>(&path(reference)).await {
        Ok(s) => (format!("/services/{}/logs", query_escape(&s.id)), s.id),
        Err(e) if e.is_not_found() => {
            let task: Task = ctx
                .client
                .get_json(&format!("/tasks/{}", query_escape(reference)))
                .await
                .map_err(|e| {
                    if e.is_not_found() {
                        anyhow::anyhow!("no such task or service: {reference}")
                    } else {
                        e.into()
                    }
                })?;
            (
                format!("/tasks/{}/logs", query_escape(&task.id)),
                task.service_id,
            )
        }
        Err(e) => return Err(e.into()),
    };
    let mut query = vec![
        ("stdout", "1".to_string()),
        ("stderr", "1".to_string()),
        ("details", "1".to_string()),
        ("tail", args.tail.clone()),
    ];
    if args.follow {
        query.push(("follow", "1".into()));
    }
    if args.timestamps {
        query.push(("timestamps", "1".into()));
    }
    if let Some(s) = &args.since {
        query.push(("since", since(s, SystemTime::now())?));
    }
    let names = Names::load(ctx, &service_id, &args).await?;
    let mut stream = ctx
        .client
        .get_stream(&with_query(&logs_path, query))
        .await?;
    while let Some(header) = stream.read_exact(8).await? {
        let len = u32::from_be_bytes([header[4], header[5], header[6], header[7]]) as usize;
        let Some(payload) = stream.read_exact(len).await? else {
            break;
        };
        let line = format_line(&String::from_utf8_lossy(&payload), &args, &names);
        if header[0] == 2 {
            ctx.err.write_all(line.as_bytes())?;
        } else {
            ctx.out.write_all(line.as_bytes())?;
        }
        ctx.out.flush()?;
    }
    Ok(())
}

/// `--since` as the API's Unix seconds: a Go duration back from now, an RFC 3339 time, or
/// Unix seconds as they are.
fn since(s: &str, now: SystemTime) -> anyhow::Result<String> {
    if let Ok(d) = shoal_gocompat::duration::parse_duration(s) {
        let t = now.checked_sub(d).unwrap_or(SystemTime::UNIX_EPOCH);
        let d = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
        return Ok(format!("{}.{:09}", d.as_secs(), d.subsec_nanos()));
    }
    if let Some(ago) = shoal_gocompat::duration::since_rfc3339(s, now) {
        return since_ago(now, ago);
    }
    if s.split_once('.')
        .map_or(s, |(a, _)| a)
        .parse::<u64>()
        .is_ok()
    {
        return Ok(s.to_string());
    }
    anyhow::bail!("invalid value for \"since\": {s:?}: give a duration (42m), an RFC 3339 time or Unix seconds")
}

fn since_ago(now: SystemTime, ago: Duration) -> anyhow::Result<String> {
    let t = now.checked_sub(ago).unwrap_or(SystemTime::UNIX_EPOCH);
    let d = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    Ok(format!("{}.{:09}", d.as_secs(), d.subsec_nanos()))
}

/// What the prefix needs: service and node names, task slots, and the padding docker adds
/// so that prefixes of one- and two-digit slots line up.
#[derive(Default)]
struct Names {
    services: HashMap<String, String>,
    nodes: HashMap<String, String>,
    slots: HashMap<String, u64>,
    width: usize,
}

impl Names {
    async fn load(ctx: &mut Ctx, service_id: &str, args: &LogsArgs) -> anyhow::Result<Names> {
        let mut names = Names::default();
        let filter = format!(r#"{{"service":{{"{service_id}":true}}}}"#);
        let tasks: Vec<Task> = ctx
            .client
            .get_json(&with_query("/tasks", [("filters", filter)]))
            .await?;
        for t in &tasks {
            names.slots.insert(t.id.clone(), t.slot);
        }
        names.width = tasks
            .iter()
            .map(|t| t.slot.to_string().len())
            .max()
            .unwrap_or(1);
        if !args.no_resolve {
            let svc: Service = ctx.client.get_json(&path(service_id)).await?;
            names.services.insert(svc.id.clone(), svc.spec.name.clone());
            let nodes: Vec<Node> = ctx.client.get_json("/nodes").await?;
            for n in nodes {
                names
                    .nodes
                    .insert(n.id.clone(), n.description.hostname.clone());
            }
        }
        Ok(names)
    }
}

/// One payload (`[timestamp ]details line`) as the CLI prints it.
fn format_line(payload: &str, args: &LogsArgs, names: &Names) -> String {
    let (timestamp, rest) = if args.timestamps {
        payload.split_once(' ').unwrap_or(("", payload))
    } else {
        ("", payload)
    };
    let (details, line) = rest.split_once(' ').unwrap_or(("", rest));
    let mut attrs: Vec<(&str, &str)> = details
        .split(',')
        .filter_map(|kv| kv.split_once('='))
        .collect();
    let get = |attrs: &[(&str, &str)], key: &str| {
        attrs
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.to_string())
            .unwrap_or_default()
    };
    let node = get(&attrs, "com.docker.swarm.node.id");
    let service = get(&attrs, "com.docker.swarm.service.id");
    let task = get(&attrs, "com.docker.swarm.task.id");
    attrs.retain(|(k, _)| !k.starts_with("com.docker.swarm."));
    let mut out = String::new();
    if args.timestamps {
        out.push_str(timestamp);
        out.push(' ');
    }
    if !args.raw {
        let service_name = names.services.get(&service).cloned().unwrap_or(service);
        let node_name = names.nodes.get(&node).cloned().unwrap_or(node);
        let slot = names.slots.get(&task).copied().unwrap_or(0);
        let mut name = format!("{service_name}.{slot}");
        if !args.no_task_ids {
            let id = if args.no_trunc {
                task.as_str()
            } else {
                &task[..task.len().min(12)]
            };
            name.push('.');
            name.push_str(id);
        }
        let pad = names.width.saturating_sub(slot.to_string().len());
        out.push_str(&format!("{name}@{node_name}{}    | ", " ".repeat(pad)));
    }
    if args.details && !attrs.is_empty() {
        let extra: Vec<String> = attrs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        out.push_str(&extra.join(","));
        out.push(' ');
    }
    out.push_str(line);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        Names {
            services: HashMap::from([("s1".into(), "web".into())]),
            nodes: HashMap::from([("n1".into(), "node-1".into())]),
            slots: HashMap::from([("abcdefabcdef0123".into(), 3)]),
            width: 2,
        }
    }

    const PAYLOAD: &str = "com.docker.swarm.node.id=n1,com.docker.swarm.service.id=s1,\
                           com.docker.swarm.task.id=abcdefabcdef0123 hello\n";

    #[test]
    fn prefixes_like_docker() {
        let args = LogsArgs::default();
        assert_eq!(
            format_line(PAYLOAD, &args, &names()),
            "web.3.abcdefabcdef@node-1     | hello\n"
        );
        let args = LogsArgs {
            no_task_ids: true,
            ..Default::default()
        };
        assert_eq!(
            format_line(PAYLOAD, &args, &names()),
            "web.3@node-1     | hello\n"
        );
        let args = LogsArgs {
            raw: true,
            ..Default::default()
        };
        assert_eq!(format_line(PAYLOAD, &args, &names()), "hello\n");
        let args = LogsArgs {
            timestamps: true,
            raw: true,
            ..Default::default()
        };
        let stamped = format!("2024-01-01T00:00:00.000000000Z {PAYLOAD}");
        assert_eq!(
            format_line(&stamped, &args, &names()),
            "2024-01-01T00:00:00.000000000Z hello\n"
        );
    }

    #[test]
    fn since_accepts_durations_times_and_unix_seconds() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        assert_eq!(since("10s", now).unwrap(), "990.000000000");
        assert_eq!(since("1700000000.5", now).unwrap(), "1700000000.5");
        assert!(since("soon", now).is_err());
    }
}
