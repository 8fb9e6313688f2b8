//! Committed writes per second through M managers (3 by default). C client tasks (tokio, one thread,
//! one kept-alive HTTP/1.1 connection each) are spread round-robin over the managers'
//! unix sockets; client i owns service i (0 replicas), so clients do not contend for a
//! version. Each iteration reads the service (`GET /services/{id}`: version and spec, served
//! from the manager's local state) and sends `POST /services/{id}/update?version=V` with the
//! spec plus a changed label. Only 200s count; "update out of sequence" (a follower's read
//! that has not yet seen the client's previous write) is counted as a conflict and retried.
//! After a 1 s warm-up, updates completed in the next `secs` seconds count; the figure is
//! their number divided by `secs`, with the latency of each update request (the read not
//! included), split by whether the manager written to was the leader or a follower that
//! forwards to it. Also records the CPU time the daemons and the client used.

use super::formation::Cluster;
use super::table::{Goal, Row, Table};
use super::unique_arg;
use crate::stats::{Samples, Unit};
use crate::sys;
use anyhow::{anyhow, Context, Result};
use serde_json::json;
use shoal_testbed::keepalive::Conn;
use shoal_testbed::Endpoint;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub const SECTION: &str =
    "Committed writes, clients spread over all managers (service label updates)";

const WARMUP: Duration = Duration::from_secs(1);

#[derive(Default)]
struct Outcome {
    ok: u64,
    /// Version conflicts, via the leader and via a follower.
    conflicts_leader: u64,
    conflicts_follower: u64,
    errors: u64,
    first_error: Option<String>,
    /// Update latencies in seconds, via the leader and via a follower.
    leader: Vec<f64>,
    follower: Vec<f64>,
}

impl Outcome {
    fn merge(&mut self, o: Outcome) {
        self.ok += o.ok;
        self.conflicts_leader += o.conflicts_leader;
        self.conflicts_follower += o.conflicts_follower;
        self.errors += o.errors;
        if self.first_error.is_none() {
            self.first_error = o.first_error;
        }
        self.leader.extend(o.leader);
        self.follower.extend(o.follower);
    }
}

fn fail(out: &mut Outcome, counted: bool, why: String) {
    if counted {
        out.errors += 1;
    }
    out.first_error.get_or_insert(why);
}

/// One client's loop until `end`.
async fn client(
    socket: PathBuf,
    service: String,
    via_leader: bool,
    start: Instant,
    end: Instant,
) -> Outcome {
    let mut conn = Conn::new(Endpoint::Unix(socket));
    let mut out = Outcome::default();
    let mut seq = 0u64;
    while Instant::now() < end {
        let r = conn
            .request("GET", &format!("/services/{service}"), None)
            .await;
        let counted = Instant::now() >= start;
        let spec = match r {
            Ok((200, body)) => match serde_json::from_slice::<serde_json::Value>(&body) {
                Ok(v) => v,
                Err(e) => {
                    fail(&mut out, counted, format!("GET: bad JSON: {e}"));
                    continue;
                }
            },
            Ok((st, body)) => {
                fail(
                    &mut out,
                    counted,
                    format!("GET: HTTP {st} {}", String::from_utf8_lossy(&body)),
                );
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
            Err(e) => {
                fail(&mut out, counted, format!("GET: {e:#}"));
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let version = spec["Version"]["Index"].as_u64().unwrap_or(0);
        let mut next = spec["Spec"].clone();
        seq += 1;
        next["Labels"]["bench.write"] = json!(seq.to_string());
        let payload = serde_json::to_vec(&next).unwrap_or_default();
        let path = format!("/services/{service}/update?version={version}");
        let a0 = Instant::now();
        let r = conn.request("POST", &path, Some(&payload)).await;
        let done = Instant::now();
        if done > end {
            break;
        }
        let counted = a0 >= start;
        match r {
            Ok((200, _)) => {
                if counted {
                    out.ok += 1;
                    let lat = (done - a0).as_secs_f64();
                    if via_leader {
                        out.leader.push(lat);
                    } else {
                        out.follower.push(lat);
                    }
                }
            }
            Ok((_, body)) if String::from_utf8_lossy(&body).contains("out of sequence") => {
                if counted && via_leader {
                    out.conflicts_leader += 1;
                } else if counted {
                    out.conflicts_follower += 1;
                }
            }
            Ok((st, body)) => fail(
                &mut out,
                counted,
                format!("update: HTTP {st} {}", String::from_utf8_lossy(&body)),
            ),
            Err(e) => fail(&mut out, counted, format!("update: {e:#}")),
        }
    }
    out
}

/// CPU used so far: by each daemon and by this process (seconds), and the whole machine's
/// (busy, total) clock ticks.
struct Cpu {
    daemons: Vec<f64>,
    own: f64,
    machine: (u64, u64),
}

fn cpu(c: &Cluster) -> Cpu {
    Cpu {
        daemons: c
            .managers
            .iter()
            .map(|m| m.pid().and_then(sys::cpu_seconds).unwrap_or(0.0))
            .collect(),
        own: sys::own_cpu_seconds(),
        machine: sys::machine_cpu_ticks().unwrap_or((0, 0)),
    }
}

/// The shape of the write load.
#[derive(Clone, Copy)]
pub struct Load {
    pub managers: usize,
    /// Every client writes to the leader (a diagnostic) instead of round-robin.
    pub leader_only: bool,
    pub clients: usize,
    /// Measured seconds per trial.
    pub secs: u64,
    pub trials: usize,
}

/// `trials` runs of `secs` seconds each with `clients` clients over `managers` managers.
pub fn run(bin: &Path, load: &Load, table: &mut Table, logs: &Path) -> Result<()> {
    let Load {
        managers,
        leader_only,
        clients,
        secs,
        trials,
    } = *load;
    eprintln!("shoal-bench: writes: forming a cluster of {managers} managers");
    let mut c = Cluster::form(bin, managers, 0, None)?;
    c.keep_logs_in(logs.join("writes"));
    let leader = c
        .leader(&c.managers[0])?
        .ok_or_else(|| anyhow!("no leader"))?;
    let mut services = Vec::new();
    for i in 0..clients {
        let r = c.managers[leader].api.post_json(
            "/services/create",
            &json!({
                "Name": format!("writes-{i}"),
                "TaskTemplate": {"ContainerSpec": {"Image": "busybox", "Command": ["sleep", unique_arg()]}},
                "Mode": {"Replicated": {"Replicas": 0}},
            }),
        )?;
        services.push(
            r["ID"]
                .as_str()
                .ok_or_else(|| anyhow!("service create answered no ID: {r}"))?
                .to_string(),
        );
    }
    for svc in &services {
        c.wait_visible(&format!("/services/{svc}"))?;
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting tokio")?;
    let secs_f = secs as f64;
    let mut rate = Samples::new(Unit::PerSecond);
    let mut lat_leader = Samples::new(Unit::Seconds);
    let mut lat_follower = Samples::new(Unit::Seconds);
    let mut total = Outcome::default();
    let mut cpu_per_write = Vec::new();
    let mut client_cpu_per_write = Vec::new();
    let mut machine_busy = Vec::new();
    for n in 1..=trials {
        sys::check_interrupt()?;
        let leader = c
            .leader(&c.managers[0])?
            .ok_or_else(|| anyhow!("no leader"))?;
        let start = Instant::now() + WARMUP;
        let end = start + Duration::from_secs(secs);
        let tasks: Vec<_> = services
            .iter()
            .enumerate()
            .map(|(i, svc)| {
                let m = if leader_only {
                    leader
                } else {
                    i % c.managers.len()
                };
                client(
                    c.managers[m].api.socket().to_path_buf(),
                    svc.clone(),
                    m == leader,
                    start,
                    end,
                )
            })
            .collect();
        let (cpu0, cpu1, outcome) = rt.block_on(async {
            let handles: Vec<_> = tasks.into_iter().map(tokio::spawn).collect();
            tokio::time::sleep_until(start.into()).await;
            let cpu0 = cpu(&c);
            tokio::time::sleep_until(end.into()).await;
            let cpu1 = cpu(&c);
            let mut outcome = Outcome::default();
            for h in handles {
                if let Ok(o) = h.await {
                    outcome.merge(o);
                }
            }
            (cpu0, cpu1, outcome)
        });
        let daemons: f64 = cpu1
            .daemons
            .iter()
            .zip(&cpu0.daemons)
            .map(|(b, a)| b - a)
            .sum();
        let per_daemon: Vec<String> = cpu1
            .daemons
            .iter()
            .zip(&cpu0.daemons)
            .zip(&c.managers)
            .enumerate()
            .map(|(i, ((b, a), m))| {
                format!(
                    "{}{} {:.0}%",
                    m.hostname,
                    if i == leader { " (leader)" } else { "" },
                    (b - a) / secs_f * 100.0
                )
            })
            .collect();
        let own = cpu1.own - cpu0.own;
        let busy = (cpu1.machine.0 - cpu0.machine.0) as f64
            / (cpu1.machine.1 - cpu0.machine.1).max(1) as f64;
        machine_busy.push(busy);
        let per_s = outcome.ok as f64 / secs_f;
        eprintln!(
            "  trial {n}/{trials}: {per_s:.0} writes/s ({} ok, {} conflicts, {} errors); CPU: {}, client {:.0}%, machine {:.0}% busy; load {}",
            outcome.ok,
            outcome.conflicts_leader + outcome.conflicts_follower,
            outcome.errors,
            per_daemon.join(", "),
            own / secs_f * 100.0,
            busy * 100.0,
            sys::loadavg()
        );
        rate.values.push(Some(per_s));
        if outcome.ok > 0 {
            cpu_per_write.push(daemons / outcome.ok as f64);
            client_cpu_per_write.push(own / outcome.ok as f64);
        }
        lat_leader
            .values
            .extend(outcome.leader.iter().map(|x| Some(*x)));
        lat_follower
            .values
            .extend(outcome.follower.iter().map(|x| Some(*x)));
        total.merge(outcome);
    }
    table.push(
        SECTION,
        Row::new(
            format!(
                "{managers} managers, {clients} clients{}, {secs} s per trial: committed writes/s",
                if leader_only {
                    " (all to the leader)"
                } else {
                    ""
                }
            ),
            rate,
        )
        .goal(Goal::AtLeast(5000.0)),
    );
    table.push(
        SECTION,
        Row::new(
            format!("{managers} managers: update latency, written to the leader"),
            lat_leader,
        ),
    );
    table.push(
        SECTION,
        Row::new(
            format!("{managers} managers: update latency, written to a follower (forwarded)"),
            lat_follower,
        ),
    );
    let avg = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    table.note(format!(
        "writes, {managers} managers, {clients} clients: {} committed ({} via the leader), version conflicts {} via the leader and {} via followers, {} other errors{}; daemons' CPU per committed write {:.0} µs (all managers), client {:.0} µs; the machine's CPUs were {:.0}% busy on average (all processes, /proc/stat)",
        total.ok,
        total.leader.len(),
        total.conflicts_leader,
        total.conflicts_follower,
        total.errors,
        total
            .first_error
            .map(|e| format!(" (first: {})", shoal_testbed::client::truncate(&e, 200)))
            .unwrap_or_default(),
        avg(&cpu_per_write) * 1e6,
        avg(&client_cpu_per_write) * 1e6,
        avg(&machine_busy) * 100.0
    ));
    Ok(())
}
