//! Figure 3: a rolling update on a single-node shoal (`shoal daemon --executor process`,
//! `swarm init`). A service of `replicas` replicas of `sleep <unique>` is created with
//! `UpdateConfig {Parallelism, Delay}` (what `--update-parallelism` and `--update-delay`
//! set) and waited for until all run. Each trial then changes its spec (a new value of one
//! environment variable, so every task must be replaced) through the Engine API, `POST
//! /services/{id}/update?version=N` as `docker service update --env-add` sends it. The clock
//! starts just before that request. The bench polls `GET /services/{id}` (UpdateStatus) and
//! `GET /tasks` (which tasks run the new spec) and records when `UpdateStatus.State` first
//! reads `completed` and when all replicas first run the new spec, with the times at which
//! each tenth of them did (the batches). The figure is set against the sum of the configured
//! delays, `batches × delay`, which a paced update cannot beat.

use crate::cluster::formation::Cluster;
use crate::cluster::node::Node;
use crate::stats::{Samples, Unit};
use crate::sys;
use anyhow::{anyhow, bail, Result};
use serde_json::{json, Value};
use shoal_testbed::client::urlencode;
use std::path::Path;
use std::time::{Duration, Instant};

/// How often the bench reads the update's progress.
const POLL: Duration = Duration::from_millis(20);
const ENV_KEY: &str = "SHOAL_BENCH_GENERATION";

pub struct Settings {
    pub replicas: u64,
    pub parallelism: u64,
    pub delay: Duration,
    pub trials: usize,
    pub timeout: Duration,
}

impl Settings {
    pub fn batches(&self) -> u64 {
        self.replicas.div_ceil(self.parallelism.max(1))
    }

    pub fn sum_of_delays(&self) -> Duration {
        self.delay * self.batches() as u32
    }
}

pub struct Figures {
    /// Update request → `UpdateStatus.State == "completed"`.
    pub completed: Samples,
    /// Update request → every replica running the new spec.
    pub all_new: Samples,
    /// Per trial: when 10%, 20%, … of the replicas first ran the new spec.
    pub steps: Vec<Vec<Duration>>,
    /// Per trial: the UpdateStatus states seen, in order, with their messages.
    pub states: Vec<Vec<String>>,
}

/// Tasks meant to run that run, and how many of them carry `generation` in their env.
fn progress(m: &Node, id: &str, generation: &str) -> Result<(u64, u64)> {
    let filters = json!({"service": {id: true}, "desired-state": {"running": true}});
    let v = m.api.get_json(&format!(
        "/tasks?filters={}",
        urlencode(&filters.to_string())
    ))?;
    let want = format!("{ENV_KEY}={generation}");
    let (mut running, mut new) = (0, 0);
    for t in v.as_array().ok_or_else(|| anyhow!("GET /tasks: {v}"))? {
        if t["Status"]["State"] != "running" {
            continue;
        }
        running += 1;
        let env = &t["Spec"]["ContainerSpec"]["Env"];
        if env
            .as_array()
            .is_some_and(|e| e.iter().any(|x| x.as_str() == Some(want.as_str())))
        {
            new += 1;
        }
    }
    Ok((running, new))
}

fn create(m: &Node, s: &Settings) -> Result<String> {
    let arg = crate::cluster::unique_arg();
    let spec = json!({
        "Name": "rolling",
        "TaskTemplate": {"ContainerSpec": {
            "Image": "busybox",
            "Command": ["sleep", arg],
            "Env": [format!("{ENV_KEY}=0")],
            "StopGracePeriod": 1_000_000_000u64,
        }},
        "Mode": {"Replicated": {"Replicas": s.replicas}},
        "UpdateConfig": {
            "Parallelism": s.parallelism,
            "Delay": s.delay.as_nanos() as u64,
        },
    });
    let reply = m.api.post_json("/services/create", &spec)?;
    reply["ID"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("service create answered no ID: {reply}"))
}

/// What one update showed.
struct Trial {
    completed: Option<Duration>,
    all_new: Option<Duration>,
    steps: Vec<Duration>,
    states: Vec<String>,
}

/// One update to `generation` (a field left `None` timed out).
fn update(m: &Node, id: &str, generation: &str, s: &Settings) -> Result<Trial> {
    let svc = m.api.get_json(&format!("/services/{id}"))?;
    let version = svc["Version"]["Index"]
        .as_u64()
        .ok_or_else(|| anyhow!("service {id} has no version: {svc}"))?;
    let mut spec: Value = svc["Spec"].clone();
    spec["TaskTemplate"]["ContainerSpec"]["Env"] = json!([format!("{ENV_KEY}={generation}")]);
    let t = Instant::now();
    m.api
        .post_json(&format!("/services/{id}/update?version={version}"), &spec)?;
    let (mut completed, mut all_new) = (None, None);
    let mut steps = Vec::new();
    let mut states: Vec<String> = Vec::new();
    let mut last_seen = String::new();
    let tenth = (s.replicas / 10).max(1);
    let deadline = t + s.timeout;
    while Instant::now() < deadline && (completed.is_none() || all_new.is_none()) {
        sys::check_interrupt()?;
        let v = m.api.get_json(&format!("/services/{id}"))?;
        let st = &v["UpdateStatus"];
        let seen = format!(
            "{} ({})",
            st["State"].as_str().unwrap_or("none"),
            st["Message"].as_str().unwrap_or_default()
        );
        if seen != last_seen {
            states.push(format!("{:.2} s: {seen}", t.elapsed().as_secs_f64()));
            last_seen = seen;
        }
        if completed.is_none() && st["State"] == "completed" {
            completed = Some(t.elapsed());
        }
        let (running, new) = progress(m, id, generation)?;
        while (steps.len() as u64 + 1) * tenth <= new {
            steps.push(t.elapsed());
        }
        if all_new.is_none() && new >= s.replicas && running == s.replicas {
            all_new = Some(t.elapsed());
        }
        std::thread::sleep(POLL);
    }
    Ok(Trial {
        completed,
        all_new,
        steps,
        states,
    })
}

pub fn run(bin: &Path, s: &Settings, logs: &Path) -> Result<Figures> {
    let mut cluster = Cluster::form(bin, 1, 0, None)?;
    cluster.keep_logs_in(logs.join("rolling"));
    let m = &cluster.managers[0];
    let id = create(m, s)?;
    let up = sys::poll(s.timeout, Duration::from_millis(50), || {
        let (running, _) = progress(m, &id, "0")?;
        Ok((running == s.replicas).then_some(()))
    })?;
    if up.is_none() {
        bail!(
            "the {} replicas did not all run within {:?}",
            s.replicas,
            s.timeout
        );
    }
    let mut f = Figures {
        completed: Samples::new(Unit::Seconds),
        all_new: Samples::new(Unit::Seconds),
        steps: Vec::new(),
        states: Vec::new(),
    };
    for trial in 1..=s.trials {
        let Trial {
            completed,
            all_new,
            steps,
            states,
        } = update(m, &id, &trial.to_string(), s)?;
        eprintln!(
            "shoal-bench: sched rolling: trial {trial}: completed {}, all new running {}",
            completed.map_or("never".into(), |d| format!("{:.2} s", d.as_secs_f64())),
            all_new.map_or("never".into(), |d| format!("{:.2} s", d.as_secs_f64())),
        );
        f.completed.push_time(completed);
        f.all_new.push_time(all_new);
        f.steps.push(steps);
        f.states.push(states);
    }
    m.api.ok("DELETE", &format!("/services/{id}"), None)?;
    Ok(f)
}
