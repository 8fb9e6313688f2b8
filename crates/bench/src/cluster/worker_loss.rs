//! Worker killed → all its tasks running on other nodes. One manager (drained, so every task
//! runs on a worker) and three workers, process executor. Each trial creates a service of R
//! replicas of `sleep <unique>`, waits until all run, kills -9 the worker with the most of
//! them (its `sleep`s die with it), and times until the manager lists R running tasks
//! (desired running) none of which is on the dead node. The same polling loop also notes
//! when the manager first reports the node `down`, which splits the figure into detection
//! and replacement. Then the worker is restarted, the service removed, and the cluster
//! allowed to heal. Run once with the cluster's default heartbeat and once with
//! `swarm init --dispatcher-heartbeat <d>`.

use super::formation::{nodes, Cluster, FORM_LIMIT};
use super::table::{Goal, Row, Table};
use super::unique_arg;
use crate::stats::{Samples, Unit};
use crate::sys;
use anyhow::{anyhow, bail, Context, Result};
use serde_json::json;
use shoal_testbed::client::urlencode;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

pub const SECTION: &str =
    "Worker killed (kill -9) → all its tasks running on other nodes (1 drained manager + 3 workers, process executor)";

const LIMIT: Duration = Duration::from_secs(120);
const POLL: Duration = Duration::from_millis(10);

/// (task node id) of the service's tasks that are running and meant to run.
fn running(c: &Cluster, service: &str) -> Result<Vec<String>> {
    let filters = json!({"service": {service: true}, "desired-state": {"running": true}});
    let v = c.managers[0].api.get_json(&format!(
        "/tasks?filters={}",
        urlencode(&filters.to_string())
    ))?;
    let arr = v
        .as_array()
        .ok_or_else(|| anyhow!("GET /tasks did not answer a list: {v}"))?;
    Ok(arr
        .iter()
        .filter(|t| t["Status"]["State"] == "running" && t["DesiredState"] == "running")
        .map(|t| t["NodeID"].as_str().unwrap_or_default().to_string())
        .collect())
}

struct Trial {
    down: Option<Duration>,
    back: Option<Duration>,
    moved: usize,
}

fn trial(c: &mut Cluster, replicas: u64, n: usize) -> Result<Trial> {
    let arg = unique_arg();
    let created = c.managers[0].api.post_json(
        "/services/create",
        &json!({
            "Name": format!("worker-loss-{n}"),
            "TaskTemplate": {
                "ContainerSpec": {"Image": "busybox", "Command": ["sleep", arg], "StopGracePeriod": 1_000_000_000u64},
            },
            "Mode": {"Replicated": {"Replicas": replicas}},
        }),
    )?;
    let service = created["ID"]
        .as_str()
        .ok_or_else(|| anyhow!("service create answered no ID: {created}"))?
        .to_string();
    let all = sys::poll(LIMIT, POLL, || {
        let r = running(c, &service)?;
        Ok((r.len() as u64 == replicas).then_some(r))
    })?
    .ok_or_else(|| anyhow!("the {replicas} tasks did not all run within {LIMIT:?}"))?;
    let ids: BTreeMap<String, String> = nodes(&c.managers[0])?
        .into_iter()
        .map(|v| (v.hostname, v.id))
        .collect();
    // The worker with the most tasks; ties go round-robin by trial.
    let w = c.workers.len();
    let on = |k: usize| {
        let id = ids.get(&c.workers[k].hostname);
        all.iter().filter(|t| Some(*t) == id).count()
    };
    let most = (0..w).map(on).max().unwrap_or(0);
    let victim = (0..w)
        .map(|k| (k + n) % w)
        .find(|&k| on(k) == most)
        .ok_or_else(|| anyhow!("no workers"))?;
    let victim_id = ids
        .get(&c.workers[victim].hostname)
        .ok_or_else(|| anyhow!("{} is not in GET /nodes", c.workers[victim].hostname))?
        .clone();
    let moved = all.iter().filter(|t| **t == victim_id).count();
    // Steady state first: heartbeats flowing, reports settled.
    sys::sleep(Duration::from_secs(1))?;

    c.workers[victim].kill();
    let t0 = Instant::now();
    let mut down = None;
    let back = sys::poll(LIMIT, POLL, || {
        if down.is_none()
            && nodes(&c.managers[0])?
                .iter()
                .any(|v| v.id == victim_id && v.state == "down")
        {
            down = Some(t0.elapsed());
        }
        let r = running(c, &service)?;
        let elsewhere = r.iter().filter(|t| **t != victim_id).count() as u64;
        Ok((elsewhere >= replicas).then(|| t0.elapsed()))
    })?;

    c.workers[victim].try_restart()?;
    c.managers[0]
        .api
        .ok("DELETE", &format!("/services/{service}"), None)?;
    let gone = sys::poll(LIMIT, Duration::from_millis(50), || {
        Ok(sys::find_by_args("sleep", &arg).is_empty().then_some(()))
    })?;
    if gone.is_none() {
        bail!("the service's `sleep {arg}` processes outlived its removal");
    }
    c.wait_healthy(FORM_LIMIT)?;
    Ok(Trial { down, back, moved })
}

/// `trials` worker losses with the given heartbeat (None: the cluster's default).
pub fn run(
    bin: &Path,
    heartbeat: Option<&str>,
    replicas: u64,
    trials: usize,
    table: &mut Table,
    logs: &Path,
) -> Result<()> {
    let hb = heartbeat.unwrap_or("default");
    eprintln!("shoal-bench: worker loss, heartbeat {hb}: forming the cluster");
    let mut c = Cluster::form(bin, 1, 3, heartbeat)?;
    c.keep_logs_in(logs.join(format!("worker-loss-{hb}")));
    c.managers[0].cli(&["node", "update", "--availability", "drain", "m1"])?;
    let period = c.managers[0].api.get_json("/swarm")?["Spec"]["Dispatcher"]["HeartbeatPeriod"]
        .as_i64()
        .unwrap_or(0);
    let mut back = Samples::new(Unit::Seconds);
    let mut down = Samples::new(Unit::Seconds);
    let mut moved = Vec::new();
    for n in 1..=trials {
        sys::check_interrupt()?;
        let t = trial(&mut c, replicas, n).with_context(|| format!("trial {n}"))?;
        eprintln!(
            "  heartbeat {hb}, trial {n}/{trials}: {} tasks lost; node down after {}, all {replicas} running elsewhere after {}",
            t.moved,
            fmt(t.down),
            fmt(t.back)
        );
        back.push_time(t.back);
        down.push_time(t.down);
        moved.push(t.moved);
    }
    let hb_text = format!(
        "heartbeat {} ({})",
        humanize(period),
        if heartbeat.is_some() {
            "--dispatcher-heartbeat"
        } else {
            "default"
        }
    );
    table.push(
        SECTION,
        Row::new(
            format!("{hb_text}: kill → {replicas} tasks running elsewhere"),
            back,
        )
        .reference("Swarm ~20 s; Nomad 20–30 s; k8s ~6 min", Some(20.0))
        .goal(Goal::Below(3.0)),
    );
    table.push(
        SECTION,
        Row::new(format!("{hb_text}: kill → node reported down"), down),
    );
    table.note(format!(
        "worker loss, {hb_text}: the killed worker ran {} of the {replicas} tasks (per trial: {moved:?})",
        moved.iter().sum::<usize>() as f64 / moved.len().max(1) as f64
    ));
    Ok(())
}

fn humanize(nanos: i64) -> String {
    let ms = nanos as f64 / 1e6;
    if ms >= 1000.0 {
        format!("{} s", ms / 1000.0)
    } else {
        format!("{ms} ms")
    }
}

fn fmt(d: Option<Duration>) -> String {
    d.map(|d| format!("{:.0} ms", d.as_secs_f64() * 1e3))
        .unwrap_or_else(|| "timeout".into())
}
