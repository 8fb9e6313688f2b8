//! A bench cluster on 127.0.0.1: `swarm init` on the first manager (optionally with
//! `--dispatcher-heartbeat`), then `swarm join` with the manager or worker token for the
//! others, each with its own `--listen-addr`/`--advertise-addr`, exactly as a user would type
//! it. Reads the cluster as a manager sees it (`GET /nodes`): who leads, who is ready.
//! Dropping the cluster stops every daemon (SIGTERM to all at once, SIGKILL after 10 s),
//! keeps their logs if asked, and deletes the temp dir.

use super::node::Node;
use crate::sys;
use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long the cluster may take to form or to heal.
pub const FORM_LIMIT: Duration = Duration::from_secs(60);

pub struct Cluster {
    pub managers: Vec<Node>,
    pub workers: Vec<Node>,
    /// Where to copy the daemons' logs when the cluster is dropped.
    keep_logs: Option<PathBuf>,
    // Dropped last (field order): the nodes stop before their directories go.
    root: tempfile::TempDir,
}

/// One node as a manager reports it.
#[derive(Debug, Clone)]
pub struct NodeView {
    pub id: String,
    pub hostname: String,
    /// "ready", "down", ...
    pub state: String,
    pub leader: bool,
    /// "reachable", "unreachable", or empty for a worker.
    pub reachability: String,
}

/// `GET /nodes` on `via`.
pub fn nodes(via: &Node) -> Result<Vec<NodeView>> {
    let v = via.api.get_json("/nodes")?;
    let arr = v
        .as_array()
        .ok_or_else(|| anyhow!("GET /nodes did not answer a list: {v}"))?;
    Ok(arr.iter().map(view).collect())
}

fn view(n: &Value) -> NodeView {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    NodeView {
        id: s(&n["ID"]),
        hostname: s(&n["Description"]["Hostname"]),
        state: s(&n["Status"]["State"]),
        leader: n["ManagerStatus"]["Leader"].as_bool() == Some(true),
        reachability: s(&n["ManagerStatus"]["Reachability"]),
    }
}

impl Cluster {
    /// Starts `managers` + `workers` daemons (hostnames m1.., w1..) and forms the swarm;
    /// returns once every node is ready and every manager reachable.
    pub fn form(
        bin: &Path,
        managers: usize,
        workers: usize,
        heartbeat: Option<&str>,
    ) -> Result<Cluster> {
        if managers == 0 {
            bail!("a cluster needs a manager");
        }
        let root = tempfile::Builder::new()
            .prefix("shoal-bench-cluster-")
            .tempdir()
            .context("creating a temp dir")?;
        let mut c = Cluster {
            managers: Vec::new(),
            workers: Vec::new(),
            keep_logs: None,
            root,
        };
        for i in 1..=managers {
            let host = format!("m{i}");
            c.managers
                .push(Node::start(bin, c.root.path().join(&host), &host)?);
        }
        for i in 1..=workers {
            let host = format!("w{i}");
            c.workers
                .push(Node::start(bin, c.root.path().join(&host), &host)?);
        }
        let first = &c.managers[0];
        let mut init = vec![
            "swarm",
            "init",
            "--listen-addr",
            &first.addr,
            "--advertise-addr",
            &first.addr,
        ];
        if let Some(h) = heartbeat {
            init.extend(["--dispatcher-heartbeat", h]);
        }
        first.cli(&init)?;
        let manager_token = first.cli(&["swarm", "join-token", "-q", "manager"])?;
        let worker_token = first.cli(&["swarm", "join-token", "-q", "worker"])?;
        let joining = c.managers[1..]
            .iter()
            .map(|n| (n, &manager_token))
            .chain(c.workers.iter().map(|n| (n, &worker_token)));
        for (n, token) in joining {
            n.cli(&[
                "swarm",
                "join",
                "--token",
                token,
                "--listen-addr",
                &n.addr,
                "--advertise-addr",
                &n.addr,
                &first.addr,
            ])?;
        }
        c.wait_healthy(FORM_LIMIT)?;
        Ok(c)
    }

    /// Copy every daemon's log into `dir` when the cluster is dropped.
    pub fn keep_logs_in(&mut self, dir: PathBuf) {
        self.keep_logs = Some(dir);
    }

    pub fn all(&self) -> impl Iterator<Item = &Node> {
        self.managers.iter().chain(&self.workers)
    }

    /// The first manager whose daemon runs.
    pub fn live_manager(&self) -> Result<&Node> {
        self.managers
            .iter()
            .find(|m| m.is_running())
            .ok_or_else(|| anyhow!("no manager is running"))
    }

    /// The index in `managers` of the leader, as `via` sees it.
    pub fn leader(&self, via: &Node) -> Result<Option<usize>> {
        let views = nodes(via)?;
        Ok(views
            .iter()
            .find(|v| v.leader)
            .and_then(|v| self.managers.iter().position(|m| m.hostname == v.hostname)))
    }

    /// True when every running manager sees all nodes ready, one leader, the other managers
    /// reachable.
    fn healthy(&self) -> Result<bool> {
        let total = self.managers.len() + self.workers.len();
        for m in self.managers.iter().filter(|m| m.is_running()) {
            let Ok(views) = nodes(m) else {
                return Ok(false);
            };
            let ok = views.len() == total
                && views.iter().all(|v| v.state == "ready")
                && views.iter().filter(|v| v.leader).count() == 1
                && views
                    .iter()
                    .filter(|v| !v.reachability.is_empty())
                    .all(|v| v.leader || v.reachability == "reachable")
                && views.iter().filter(|v| !v.reachability.is_empty()).count()
                    == self.managers.len();
            if !ok {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Waits until [`Cluster::healthy`] holds.
    pub fn wait_healthy(&self, limit: Duration) -> Result<()> {
        let t0 = Instant::now();
        let ok = sys::poll(limit, Duration::from_millis(50), || {
            Ok(self.healthy()?.then_some(()))
        })?;
        if ok.is_none() {
            let seen = self
                .live_manager()
                .and_then(nodes)
                .map(|v| format!("{v:?}"))
                .unwrap_or_else(|e| e.to_string());
            bail!(
                "the cluster was not healthy after {:.0} s; a manager sees {seen}\n{}",
                t0.elapsed().as_secs_f64(),
                self.live_manager()
                    .map(|m| m.log_tail(20))
                    .unwrap_or_default()
            );
        }
        Ok(())
    }

    /// Waits until `GET path` answers 200 on every running manager: a follower applies a
    /// commit a moment after the leader has answered the write.
    pub fn wait_visible(&self, path: &str) -> Result<()> {
        let seen = sys::poll(Duration::from_secs(10), Duration::from_millis(10), || {
            let all = self
                .managers
                .iter()
                .filter(|m| m.is_running())
                .all(|m| matches!(m.api.request("GET", path, None), Ok(r) if r.status == 200));
            Ok(all.then_some(()))
        })?;
        if seen.is_none() {
            bail!("GET {path} did not answer 200 on every manager within 10 s");
        }
        Ok(())
    }

    /// WARN/ERROR lines of all daemons, with the hostname in front.
    pub fn complaints(&self) -> Vec<String> {
        self.all()
            .flat_map(|n| {
                n.complaints()
                    .into_iter()
                    .map(move |l| format!("{}: {l}", n.hostname))
            })
            .collect()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // All at once: stopping managers one by one would make each shutdown wait for a
        // quorum that is leaving.
        for n in self.managers.iter_mut().chain(self.workers.iter_mut()) {
            n.signal_term();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        for n in self.managers.iter_mut().chain(self.workers.iter_mut()) {
            n.reap(deadline);
        }
        if let Some(dir) = &self.keep_logs {
            let _ = std::fs::create_dir_all(dir);
            for n in self.all() {
                let _ = std::fs::copy(n.log_path(), dir.join(format!("{}.log", n.hostname)));
            }
        }
    }
}
