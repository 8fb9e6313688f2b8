//! Leader killed → first successful write through another manager. With N managers and a
//! 0-replica service: find the leader (`GET /nodes`, `ManagerStatus.Leader`), pick a
//! follower as the survivor to write through, `kill -9` the leader, and from that instant
//! loop `POST /services/{id}/update?version=V` (a changed label, version re-read before each
//! attempt) on the survivor until one answers 200. A second thread polls the survivor's
//! `GET /nodes` for the time a new leader is first reported. The killed manager is restarted
//! on its data dir and the cluster allowed to heal before the next trial, so each trial kills
//! whoever leads at that moment.

use super::formation::Cluster;
use super::table::{Goal, Row, Table};
use super::unique_arg;
use crate::stats::{Samples, Unit};
use crate::sys;
use anyhow::{anyhow, bail, Context, Result};
use serde_json::json;
use shoal_testbed::client::Api;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

pub const SECTION: &str = "Leader killed (kill -9) → first committed write through a survivor";

/// Give up on a trial after this long.
const LIMIT: Duration = Duration::from_secs(60);
/// Pause after a refused write before the next attempt.
const RETRY_PAUSE: Duration = Duration::from_millis(5);
/// How often the survivor's `/nodes` is polled for the new leader.
const POLL: Duration = Duration::from_millis(10);

/// One trial's timings, measured from the kill.
struct Trial {
    elected: Option<Duration>,
    written: Option<Duration>,
    attempts: usize,
    /// The slowest refused attempt, and what it answered.
    slowest_refusal: Option<(Duration, String)>,
    /// Refused attempts by answer (first 60 characters).
    refusals: BTreeMap<String, usize>,
}

/// `POST /services/{id}/update` with the current spec and `bench.failover=<value>`;
/// Ok(None) on success, Ok(Some(reason)) when refused.
fn write_label(api: &Api, service: &str, value: &str) -> Result<Option<String>> {
    let r = api.request("GET", &format!("/services/{service}"), None)?;
    if r.status != 200 {
        return Ok(Some(format!(
            "GET: HTTP {} {}",
            r.status,
            shoal_testbed::client::truncate(&r.text(), 120)
        )));
    }
    let v = r.json()?;
    let version = v["Version"]["Index"]
        .as_u64()
        .ok_or_else(|| anyhow!("service without a version: {v}"))?;
    let mut spec = v["Spec"].clone();
    spec["Labels"]["bench.failover"] = json!(value);
    let r = api.request(
        "POST",
        &format!("/services/{service}/update?version={version}"),
        Some(&spec),
    )?;
    Ok((r.status != 200).then(|| {
        format!(
            "HTTP {} {}",
            r.status,
            shoal_testbed::client::truncate(r.text().trim(), 120)
        )
    }))
}

fn trial(c: &mut Cluster, service: &str, n: usize) -> Result<Trial> {
    let via = c.live_manager()?;
    let leader = c
        .leader(via)?
        .ok_or_else(|| anyhow!("no leader before the kill"))?;
    let survivor = (0..c.managers.len())
        .find(|&i| i != leader)
        .ok_or_else(|| anyhow!("no follower to write through"))?;
    let killed_host = c.managers[leader].hostname.clone();
    let api = c.managers[survivor].api.clone();
    // The survivor takes writes before the kill (its reads may lag the leader by a moment,
    // so a stale version is retried).
    let mut refused = None;
    let ok = sys::poll(Duration::from_secs(10), RETRY_PAUSE, || {
        refused = write_label(&api, service, &format!("{n}-before"))?;
        Ok(refused.is_none().then_some(()))
    })?;
    if ok.is_none() {
        bail!(
            "writes through the survivor were refused before the kill: {}",
            refused.unwrap_or_default()
        );
    }

    c.managers[leader].kill();
    let t0 = Instant::now();
    let survivor_node = &c.managers[survivor];
    std::thread::scope(|s| {
        let watcher = s.spawn(|| -> Result<Option<Duration>> {
            sys::poll(LIMIT, POLL, || {
                let views = super::formation::nodes(survivor_node).unwrap_or_default();
                Ok(views
                    .iter()
                    .any(|v| v.leader && v.hostname != killed_host)
                    .then(|| t0.elapsed()))
            })
        });
        let mut attempts = 0;
        let mut slowest_refusal: Option<(Duration, String)> = None;
        let mut refusals = BTreeMap::new();
        let written = loop {
            sys::check_interrupt()?;
            if t0.elapsed() > LIMIT {
                break None;
            }
            attempts += 1;
            let a0 = Instant::now();
            let outcome = write_label(&api, service, &format!("{n}-{attempts}"))
                .unwrap_or_else(|e| Some(format!("{e:#}")));
            match outcome {
                None => break Some(t0.elapsed()),
                Some(why) => {
                    let took = a0.elapsed();
                    *refusals.entry(why.chars().take(60).collect()).or_insert(0) += 1;
                    if slowest_refusal.as_ref().is_none_or(|(d, _)| took > *d) {
                        slowest_refusal = Some((took, why));
                    }
                    std::thread::sleep(RETRY_PAUSE);
                }
            }
        };
        let elected = watcher
            .join()
            .map_err(|_| anyhow!("the leader watcher panicked"))??;
        Ok(Trial {
            elected,
            written,
            attempts,
            slowest_refusal,
            refusals,
        })
    })
}

/// `trials` failovers on a cluster of `managers` managers; adds two rows to the table.
pub fn run(
    bin: &Path,
    managers: usize,
    trials: usize,
    table: &mut Table,
    logs: &Path,
) -> Result<()> {
    eprintln!("shoal-bench: failover with {managers} managers: forming the cluster");
    let mut c = Cluster::form(bin, managers, 0, None)?;
    c.keep_logs_in(logs.join(format!("failover-{managers}")));
    let created = c.live_manager()?.api.post_json(
        "/services/create",
        &json!({
            "Name": "failover-probe",
            "TaskTemplate": {"ContainerSpec": {"Image": "busybox", "Command": ["sleep", unique_arg()]}},
            "Mode": {"Replicated": {"Replicas": 0}},
        }),
    )?;
    let service = created["ID"]
        .as_str()
        .ok_or_else(|| anyhow!("service create answered no ID: {created}"))?
        .to_string();
    c.wait_visible(&format!("/services/{service}"))?;
    let mut elected = Samples::new(Unit::Seconds);
    let mut written = Samples::new(Unit::Seconds);
    let mut refusals = Vec::new();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for n in 1..=trials {
        sys::check_interrupt()?;
        let t = trial(&mut c, &service, n).with_context(|| format!("trial {n}"))?;
        eprintln!(
            "  {managers} managers, trial {n}/{trials}: new leader seen after {}, first write after {} ({} attempts{})",
            fmt(t.elected),
            fmt(t.written),
            t.attempts,
            t.slowest_refusal
                .as_ref()
                .map(|(d, why)| format!("; slowest refusal {:.0} ms: {why}", d.as_secs_f64() * 1e3))
                .unwrap_or_default()
        );
        for (k, v) in &t.refusals {
            *kinds.entry(k.clone()).or_insert(0) += v;
        }
        if let Some(r) = t.slowest_refusal {
            refusals.push(r);
        }
        elected.push_time(t.elected);
        written.push_time(t.written);
        // Bring the killed manager back and let the cluster heal.
        let down = c
            .managers
            .iter()
            .position(|m| !m.is_running())
            .ok_or_else(|| anyhow!("the killed manager is running?"))?;
        c.managers[down].try_restart()?;
        c.wait_healthy(super::formation::FORM_LIMIT)
            .with_context(|| format!("healing after trial {n}"))?;
        sys::sleep(Duration::from_millis(500))?;
    }
    table.push(
        SECTION,
        Row::new(
            format!("{managers} managers: kill → first write committed"),
            written,
        )
        .reference("Swarm defaults: 10–19 s election", Some(10.0))
        .goal(Goal::Below(1.0)),
    );
    table.push(
        SECTION,
        Row::new(
            format!("{managers} managers: kill → new leader reported by the survivor"),
            elected,
        ),
    );
    if let Some((d, why)) = refusals.iter().max_by_key(|(d, _)| *d) {
        let kinds: Vec<String> = kinds.iter().map(|(k, v)| format!("{v}× {k}…")).collect();
        table.note(format!(
            "failover, {managers} managers: refused writes over all trials: {}; the slowest refusal took {:.0} ms: {why}",
            kinds.join(", "),
            d.as_secs_f64() * 1e3
        ));
    }
    let complaints = c.complaints();
    if !complaints.is_empty() {
        table.note(format!(
            "failover, {managers} managers: {} WARN/ERROR log lines (kills are expected to cause some); first: {}",
            complaints.len(),
            complaints[0]
        ));
    }
    Ok(())
}

fn fmt(d: Option<Duration>) -> String {
    d.map(|d| format!("{:.0} ms", d.as_secs_f64() * 1e3))
        .unwrap_or_else(|| "timeout".into())
}
