//! Figure 2: end to end through a real manager. One `shoal daemon` (process executor) runs
//! `swarm init` and is drained, so it runs no task itself. This process then starts `agents`
//! in-process nodes: each a `shoal_node::NodeRuntime` with its own temp data dir and
//! hostname and a [`FakeExecutor`], joined with the worker token exactly as `swarm join`
//! does (the root CA checked against the token, a certificate issued for a fresh key,
//! then a session with the manager's dispatcher over gRPC and mutual TLS). Each trial
//! creates one service of `tasks` replicas through the Engine API; the clock starts just
//! before `POST /services/create` and stops when `GET /services?status=true` first reports
//! all of them running, which needs every task created, placed and dispatched through raft,
//! started by an agent and its `running` report committed through raft. The count is then
//! cross-checked against `GET /tasks` and against the tasks the fake executors started.

use crate::cluster::formation::Cluster;
use crate::cluster::node::Node;
use crate::stats::{Samples, Unit};
use crate::sys;
use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};
use shoal_executor::fake::FakeExecutor;
use shoal_node::{JoinRequest, NodeRuntime, RuntimeConfig};
use shoal_testbed::client::urlencode;
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often the bench reads the service's running count.
const POLL: Duration = Duration::from_millis(20);

pub struct Figures {
    pub to_running: Samples,
    /// Running tasks per second over each trial.
    pub rate: Samples,
    /// Time until the first task of the trial ran.
    pub first: Samples,
    /// CPU seconds of the manager daemon and of this process (the agents) per trial.
    pub manager_cpu: Vec<f64>,
    pub agents_cpu: Vec<f64>,
    pub join_time: Duration,
    pub notes: Vec<String>,
}

/// The in-process nodes and the tokio runtime they live on.
struct Agents {
    rt: tokio::runtime::Runtime,
    nodes: Vec<Arc<NodeRuntime>>,
    started: Arc<AtomicU64>,
}

impl Agents {
    fn join(dir: &Path, count: usize, manager: &str, token: &str) -> Result<Agents> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("starting a tokio runtime for the agents")?;
        let started = Arc::new(AtomicU64::new(0));
        let nodes = rt.block_on(async {
            let mut joins = Vec::new();
            for i in 1..=count {
                let host = format!("agent{i:03}");
                let cfg = RuntimeConfig {
                    data_dir: dir.join(&host),
                    executor: Arc::new(
                        FakeExecutor::new(&host)
                            .with_kind("process")
                            .counting(started.clone()),
                    ),
                    hostname: Some(host.clone()),
                    engine_labels: HashMap::new(),
                };
                let req = JoinRequest {
                    listen_addr: "127.0.0.1".into(),
                    advertise_addr: "127.0.0.1".into(),
                    remote_addrs: vec![manager.to_string()],
                    join_token: token.to_string(),
                    availability: None,
                };
                joins.push(tokio::spawn(async move {
                    let node = NodeRuntime::start(cfg)
                        .await
                        .map_err(|e| anyhow!("{host}: starting the node runtime: {e}"))?;
                    node.join(req)
                        .await
                        .map_err(|e| anyhow!("{host}: swarm join: {e}"))?;
                    Ok::<_, anyhow::Error>(node)
                }));
            }
            let mut nodes = Vec::new();
            for j in joins {
                nodes.push(j.await.context("a join task panicked")??);
            }
            Ok::<_, anyhow::Error>(nodes)
        })?;
        Ok(Agents { rt, nodes, started })
    }

    fn started(&self) -> u64 {
        self.started.load(Ordering::Relaxed)
    }
}

impl Drop for Agents {
    fn drop(&mut self) {
        let nodes = std::mem::take(&mut self.nodes);
        self.rt.block_on(async {
            let stops: Vec<_> = nodes
                .into_iter()
                .map(|n| tokio::spawn(async move { n.shutdown().await }))
                .collect();
            for s in stops {
                let _ = tokio::time::timeout(Duration::from_secs(10), s).await;
            }
        });
    }
}

fn ready_nodes(m: &Node) -> Result<usize> {
    Ok(crate::cluster::formation::nodes(m)?
        .iter()
        .filter(|v| v.state == "ready")
        .count())
}

/// (running, desired) of the service, from `GET /services?status=true`.
fn status(m: &Node, id: &str) -> Result<(u64, u64)> {
    let filters = json!({"id": [id]}).to_string();
    let v = m.api.get_json(&format!(
        "/services?status=true&filters={}",
        urlencode(&filters)
    ))?;
    let s = v
        .as_array()
        .and_then(|a| a.iter().find(|s| s["ID"] == id))
        .ok_or_else(|| anyhow!("service {id} is not listed"))?;
    let n = |k: &str| s["ServiceStatus"][k].as_u64().unwrap_or(0);
    Ok((n("RunningTasks"), n("DesiredTasks")))
}

/// Tasks meant to run and running, per node id, from `GET /tasks`.
fn running_per_node(m: &Node, id: &str) -> Result<HashMap<String, u64>> {
    let filters = json!({"service": {id: true}, "desired-state": {"running": true}});
    let v = m.api.get_json(&format!(
        "/tasks?filters={}",
        urlencode(&filters.to_string())
    ))?;
    let mut per = HashMap::new();
    for t in v.as_array().ok_or_else(|| anyhow!("GET /tasks: {v}"))? {
        if t["Status"]["State"] == "running" {
            *per.entry(t["NodeID"].as_str().unwrap_or_default().to_string())
                .or_insert(0) += 1;
        }
    }
    Ok(per)
}

fn create(m: &Node, name: &str, tasks: u64) -> Result<String> {
    let spec = json!({
        "Name": name,
        "TaskTemplate": {"ContainerSpec": {"Image": "busybox", "Command": ["sleep", "100000"]}},
        "Mode": {"Replicated": {"Replicas": tasks}},
    });
    let reply = m.api.post_json("/services/create", &spec)?;
    reply["ID"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("service create answered no ID: {reply}"))
}

/// Removes the service and waits until the manager lists none of its tasks.
fn remove(m: &Node, id: &str, limit: Duration) -> Result<()> {
    m.api.ok("DELETE", &format!("/services/{id}"), None)?;
    let filters = json!({"service": {id: true}}).to_string();
    let path = format!("/tasks?filters={}", urlencode(&filters));
    let gone = sys::poll(limit, Duration::from_millis(100), || {
        let v: Value = m.api.get_json(&path)?;
        Ok(v.as_array().is_some_and(|a| a.is_empty()).then_some(()))
    })?;
    if gone.is_none() {
        bail!("the tasks of service {id} were still listed {limit:?} after its removal");
    }
    Ok(())
}

pub fn run(
    bin: &Path,
    agents: usize,
    tasks: u64,
    trials: usize,
    timeout: Duration,
    logs: &Path,
) -> Result<Figures> {
    let mut cluster = Cluster::form(bin, 1, 0, None)?;
    cluster.keep_logs_in(logs.join("agents"));
    let m = &cluster.managers[0];
    m.cli(&["node", "update", "--availability", "drain", &m.hostname])?;
    let token = m.cli(&["swarm", "join-token", "-q", "worker"])?;
    // Declared before the agents, so dropped after them: their shutdown still writes here.
    let dir = tempfile::Builder::new()
        .prefix("shoal-bench-agents-")
        .tempdir()
        .context("creating a temp dir")?;
    let t0 = Instant::now();
    let pool = Agents::join(dir.path(), agents, &m.addr, &token)?;
    let all_ready = sys::poll(Duration::from_secs(60), Duration::from_millis(50), || {
        Ok((ready_nodes(m)? == agents + 1).then_some(()))
    })?;
    if all_ready.is_none() {
        bail!(
            "{} of {} nodes ready 60 s after the joins",
            ready_nodes(m)?,
            agents + 1
        );
    }
    let mut f = Figures {
        to_running: Samples::new(Unit::Seconds),
        rate: Samples::new(Unit::PerSecond),
        first: Samples::new(Unit::Seconds),
        manager_cpu: Vec::new(),
        agents_cpu: Vec::new(),
        join_time: t0.elapsed(),
        notes: Vec::new(),
    };
    eprintln!(
        "shoal-bench: sched e2e: {agents} in-process agents joined and ready in {:.1} s",
        f.join_time.as_secs_f64()
    );
    let mpid = m
        .pid()
        .ok_or_else(|| anyhow!("the manager is not running"))?;
    for trial in 1..=trials {
        sys::check_interrupt()?;
        let before = pool.started();
        let (mc0, ac0) = (sys::cpu_seconds(mpid), sys::own_cpu_seconds());
        let t = Instant::now();
        let id = create(m, &format!("e2e{trial}"), tasks)?;
        let mut first = None;
        let done = sys::poll(timeout, POLL, || {
            let (running, _) = status(m, &id)?;
            if running > 0 && first.is_none() {
                first = Some(t.elapsed());
            }
            Ok((running >= tasks).then(|| t.elapsed()))
        })?;
        let (mc1, ac1) = (sys::cpu_seconds(mpid), sys::own_cpu_seconds());
        f.to_running.push_time(done);
        f.first.push_time(first);
        if let Some(d) = done {
            f.rate.values.push(Some(tasks as f64 / d.as_secs_f64()));
        }
        if let (Some(a), Some(b)) = (mc0, mc1) {
            f.manager_cpu.push(b - a);
        }
        f.agents_cpu.push(ac1 - ac0);
        let per = running_per_node(m, &id)?;
        let listed: u64 = per.values().sum();
        let started = pool.started() - before;
        let (lo, hi) = (
            per.values().min().copied().unwrap_or(0),
            per.values().max().copied().unwrap_or(0),
        );
        eprintln!(
            "shoal-bench: sched e2e: trial {trial}: {} ; GET /tasks lists {listed} running on {} nodes ({lo}–{hi} each), fake executors started {started}",
            done.map_or("timeout".into(), |d| format!("{:.2} s", d.as_secs_f64())),
            per.len()
        );
        if done.is_some() && (listed != tasks || started != tasks || per.len() != agents) {
            f.notes.push(format!(
                "trial {trial}: GET /tasks listed {listed} running tasks on {} nodes and the fake executors started {started}, for {tasks} replicas",
                per.len()
            ));
        }
        remove(m, &id, timeout)?;
    }
    drop(pool);
    Ok(f)
}
