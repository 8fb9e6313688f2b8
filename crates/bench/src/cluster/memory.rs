//! Resident memory of the daemons of a 5-node cluster: 3 managers + 2 workers, all active
//! (the managers run tasks too), process executor. `VmRSS` of each daemon is read idle (2 s
//! after the cluster formed) and again once S services of 1 replica of `sleep <unique>`
//! (created by 4 concurrent clients through the leader) all run and 2 s have passed. Each
//! reading is `SAMPLES` samples 1 s apart; rows pool the samples of all managers or of all
//! workers, and a note gives each daemon's median with its number of tasks.

use super::formation::{nodes, Cluster};
use super::table::{Goal, Row, Table};
use super::unique_arg;
use crate::stats::{Samples, Unit};
use crate::sys;
use crate::target::parallel;
use anyhow::{anyhow, bail, Result};
use serde_json::json;
use shoal_testbed::client::urlencode;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

pub const SECTION: &str =
    "Daemon resident memory, 5 nodes (3 managers + 2 workers, all active, process executor)";

const SAMPLES: usize = 10;
const SETTLE: Duration = Duration::from_secs(2);
const LIMIT: Duration = Duration::from_secs(300);

/// `SAMPLES` readings 1 s apart of every running daemon, in the order of `c.all()`.
fn sample(c: &Cluster) -> Result<Vec<Samples>> {
    sys::sleep(SETTLE)?;
    let mut out: Vec<Samples> = c.all().map(|_| Samples::new(Unit::Bytes)).collect();
    for i in 0..SAMPLES {
        if i > 0 {
            sys::sleep(Duration::from_secs(1))?;
        }
        for (n, s) in c.all().zip(out.iter_mut()) {
            let pid = n
                .pid()
                .ok_or_else(|| anyhow!("{} is not running", n.hostname))?;
            s.values.push(Some(sys::rss_bytes(pid)? as f64));
        }
    }
    Ok(out)
}

/// Node id → number of running tasks, across all services.
fn tasks_per_node(c: &Cluster) -> Result<BTreeMap<String, usize>> {
    let filters = json!({"desired-state": {"running": true}});
    let v = c.managers[0].api.get_json(&format!(
        "/tasks?filters={}",
        urlencode(&filters.to_string())
    ))?;
    let mut per = BTreeMap::new();
    for t in v.as_array().into_iter().flatten() {
        if t["Status"]["State"] == "running" {
            *per.entry(t["NodeID"].as_str().unwrap_or_default().to_string())
                .or_insert(0) += 1;
        }
    }
    Ok(per)
}

fn pooled(samples: &[Samples]) -> Samples {
    let mut all = Samples::new(Unit::Bytes);
    for s in samples {
        all.values.extend(&s.values);
    }
    all
}

pub fn run(bin: &Path, services: usize, table: &mut Table, logs: &Path) -> Result<()> {
    eprintln!("shoal-bench: memory: forming a cluster of 3 managers + 2 workers");
    let mut c = Cluster::form(bin, 3, 2, None)?;
    c.keep_logs_in(logs.join("memory"));
    let idle = sample(&c)?;
    let leader = c
        .leader(&c.managers[0])?
        .ok_or_else(|| anyhow!("no leader"))?;
    let api = c.managers[leader].api.clone();
    let indexes: Vec<usize> = (0..services).collect();
    parallel(&indexes, 4, |i| {
        api.post_json(
            "/services/create",
            &json!({
                "Name": format!("rss-{i}"),
                "TaskTemplate": {"ContainerSpec": {"Image": "busybox", "Command": ["sleep", unique_arg()]}},
                "Mode": {"Replicated": {"Replicas": 1}},
            }),
        )
    })?;
    let converged = sys::poll(LIMIT, Duration::from_millis(200), || {
        let per = tasks_per_node(&c)?;
        Ok((per.values().sum::<usize>() == services).then_some(per))
    })?;
    let Some(per) = converged else {
        bail!("the {services} tasks did not all run within {LIMIT:?}");
    };
    let loaded = sample(&c)?;

    let ids: BTreeMap<String, String> = nodes(&c.managers[0])?
        .into_iter()
        .map(|v| (v.hostname, v.id))
        .collect();
    let m = c.managers.len();
    let rows: [(&str, &[Samples], bool); 4] = [
        ("managers, idle (no services)", &idle[..m], true),
        ("workers, idle (no services)", &idle[m..], true),
        ("managers, 100 services running", &loaded[..m], false),
        ("workers, 100 services running", &loaded[m..], false),
    ];
    for (label, s, is_idle) in rows {
        let label = label.replace("100", &services.to_string());
        let mut row = Row::new(
            format!("{label}: {} daemons × {SAMPLES} samples", s.len()),
            pooled(s),
        );
        row = if is_idle {
            row.reference("dockerd, Swarm idle: 179 MB", Some(179e6))
                .goal(Goal::Below(30e6))
        } else {
            row.reference("dockerd, Swarm, 50 tasks: 200 MB", Some(200e6))
        };
        table.push(SECTION, row);
    }
    let detail: Vec<String> = c
        .all()
        .enumerate()
        .map(|(i, n)| {
            let tasks = ids
                .get(&n.hostname)
                .and_then(|id| per.get(id))
                .copied()
                .unwrap_or(0);
            let med = |s: &Samples| s.fmt_value(s.percentile(0.5).unwrap_or(f64::NAN));
            format!(
                "{}{} {} idle → {} with {tasks} tasks",
                n.hostname,
                if i == leader { " (leader)" } else { "" },
                med(&idle[i]),
                med(&loaded[i])
            )
        })
        .collect();
    table.note(format!(
        "memory, per daemon (median): {}",
        detail.join("; ")
    ));
    Ok(())
}
