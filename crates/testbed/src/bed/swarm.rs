//! Forming a swarm on a test bed: `swarm init` and `swarm join` on the nodes' own
//! addresses, waiting until every node is ready, and reading the nodes as a manager sees
//! them (`GET /nodes`).

use super::TestBed;
use crate::daemon::Daemon;
use std::time::{Duration, Instant};

impl TestBed {
    /// `swarm init` on `hostname`, on its own address, with a 1 s dispatcher heartbeat.
    pub fn init(&self, hostname: &str) {
        let n = &self[hostname];
        let a = n.addr();
        n.shoal_ok(&[
            "swarm",
            "init",
            "--listen-addr",
            &a,
            "--advertise-addr",
            &a,
            "--dispatcher-heartbeat",
            "1s",
        ]);
    }

    /// `swarm join` of `hostname` through `via`'s address, with the manager or worker token.
    pub fn join(&self, hostname: &str, via: &str, manager: bool) {
        let role = if manager { "manager" } else { "worker" };
        let token = self[via].shoal_ok(&["swarm", "join-token", "-q", role]);
        let n = &self[hostname];
        let a = n.addr();
        let out = n.shoal_ok(&[
            "swarm",
            "join",
            "--token",
            token.trim(),
            "--listen-addr",
            &a,
            "--advertise-addr",
            &a,
            &self[via].addr(),
        ]);
        assert!(
            out.contains(&format!("This node joined a swarm as a {role}.")),
            "{out}"
        );
    }

    /// A bed with managers m1..mM (m1 inits, the others join through it) and workers
    /// w1..wW, all ready, every manager reachable.
    pub fn swarm(managers: usize, workers: usize) -> TestBed {
        Self::swarm_of(managers, workers, false)
    }

    /// Like [`swarm`](Self::swarm), every node with a Docker Engine of its own
    /// ([`add_with_engine`](Self::add_with_engine)).
    pub fn swarm_with_engines(managers: usize, workers: usize) -> TestBed {
        Self::swarm_of(managers, workers, true)
    }

    fn swarm_of(managers: usize, workers: usize, engines: bool) -> TestBed {
        let mut bed = TestBed::new();
        let ms: Vec<String> = (1..=managers).map(|i| format!("m{i}")).collect();
        let ws: Vec<String> = (1..=workers).map(|i| format!("w{i}")).collect();
        for h in ms.iter().chain(&ws) {
            if engines {
                bed.add_with_engine(h);
            } else {
                bed.add(h);
            }
        }
        bed.init("m1");
        for h in &ms[1..] {
            bed.join(h, "m1", true);
        }
        for h in &ws {
            bed.join(h, "m1", false);
        }
        bed.wait_formed("m1", managers + workers, Duration::from_secs(30));
        bed
    }

    /// Waits until `via` shows `n` nodes, all ready, every manager reachable.
    pub fn wait_formed(&self, via: &str, n: usize, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            let nodes = node_states(&self[via]);
            if nodes.len() == n
                && nodes.iter().all(|(_, state, reach, _)| {
                    state == "ready" && (reach.is_empty() || reach == "reachable")
                })
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {n} ready nodes, managers reachable, seen from {via}: \
                 last seen (hostname, state, reachability, leader): {nodes:?}\n{}",
                nodes_json(&self[via])
                    .iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The manager `via`'s `GET /nodes` (hence `node ls`) marks as leader.
    pub fn leader(&self, via: &str) -> Option<String> {
        nodes_json(&self[via])
            .into_iter()
            .find(|x| x["ManagerStatus"]["Leader"] == true)
            .and_then(|x| x["Description"]["Hostname"].as_str().map(str::to_string))
    }
}

/// `GET /nodes` on a node (empty when it does not answer 200).
pub fn nodes_json(n: &Daemon) -> Vec<serde_json::Value> {
    let (status, body) = n.http("GET", "/nodes", None);
    if status != 200 {
        return Vec::new();
    }
    serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
}

/// `GET /nodes` as (hostname, state, manager reachability or "", leader).
pub fn node_states(n: &Daemon) -> Vec<(String, String, String, bool)> {
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    nodes_json(n)
        .iter()
        .map(|x| {
            (
                text(&x["Description"]["Hostname"]),
                text(&x["Status"]["State"]),
                text(&x["ManagerStatus"]["Reachability"]),
                x["ManagerStatus"]["Leader"] == true,
            )
        })
        .collect()
}
