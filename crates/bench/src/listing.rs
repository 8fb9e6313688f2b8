//! `service ls` with many services: creates services of 0 replicas (4 concurrent clients) up
//! to each checkpoint (e.g. 200, then 1000), and at each one times `GET /services?status=true`
//! (the request `docker service ls` makes; median of 20, after one untimed warm-up) and the
//! whole `docker service ls` command with `DOCKER_HOST` at the target (median of 5). With a
//! creation budget, a checkpoint whose projected creation time exceeds it is skipped.

use crate::report::{Cell, Report, Side};
use crate::stats::{Samples, Unit};
use crate::sys;
use crate::target::{parallel, Service, Target};
use anyhow::{bail, Context, Result};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const API_RUNS: usize = 20;
pub const CLI_RUNS: usize = 5;
const CLIENTS: usize = 4;

pub fn api_label(n: usize) -> String {
    format!("GET /services?status=true, {n} services")
}

pub fn cli_label(n: usize) -> String {
    format!("`docker service ls`, {n} services")
}

pub fn create_label(n: usize) -> String {
    format!("creating {n} services (0 replicas, {CLIENTS} clients)")
}

fn time_api(t: &Target, n: usize) -> Result<Samples> {
    let mut s = Samples::new(Unit::Seconds);
    for i in 0..=API_RUNS {
        sys::check_interrupt()?;
        let t0 = Instant::now();
        let v = t.api.get_json("/services?status=true")?;
        let d = t0.elapsed();
        let got = v.as_array().map(Vec::len).unwrap_or(0);
        if got < n {
            bail!("GET /services listed {got} services, expected at least {n}");
        }
        if i > 0 {
            s.push_time(Some(d));
        }
    }
    Ok(s)
}

fn time_cli(t: &Target, n: usize) -> Result<Samples> {
    let mut s = Samples::new(Unit::Seconds);
    for _ in 0..CLI_RUNS {
        sys::check_interrupt()?;
        let t0 = Instant::now();
        let out = Command::new("docker")
            .args(["service", "ls"])
            .env("DOCKER_HOST", t.api.docker_host())
            .env_remove("DOCKER_CONTEXT")
            .stdin(Stdio::null())
            .output()
            .context("running docker service ls")?;
        let d = t0.elapsed();
        if !out.status.success() {
            bail!(
                "docker service ls failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let lines = String::from_utf8_lossy(&out.stdout).lines().count();
        if lines < n + 1 {
            bail!(
                "docker service ls printed {lines} lines, expected at least {}",
                n + 1
            );
        }
        s.push_time(Some(d));
    }
    Ok(s)
}

/// Runs the checkpoints; `at_checkpoint(n)` runs after each one's measurements (services
/// still present). Removes every service it created before returning.
pub fn run(
    t: &Target,
    report: &mut Report,
    side: Side,
    section: &str,
    checkpoints: &[usize],
    budget: Option<Duration>,
    at_checkpoint: &mut dyn FnMut(usize),
) -> Result<()> {
    let mut created: Vec<Service> = Vec::new();
    let outcome = (|| -> Result<()> {
        // Time spent creating services only (not measuring between checkpoints).
        let mut creating = Duration::ZERO;
        for &n in checkpoints {
            if let (Some(b), false) = (budget, created.is_empty()) {
                let projected = creating.as_secs_f64() * n as f64 / created.len() as f64;
                if projected > b.as_secs_f64() {
                    report.note(format!(
                        "{}: not measured with {n} services: creating {} took {:.0} s, so {n} would take about {:.0} s (budget {:.0} s)",
                        t.name,
                        created.len(),
                        creating.as_secs_f64(),
                        projected,
                        b.as_secs_f64()
                    ));
                    return Ok(());
                }
            }
            while created.len() < n {
                let batch: Vec<usize> = (created.len()..n.min(created.len() + 100)).collect();
                let t0 = Instant::now();
                created.extend(parallel(&batch, CLIENTS, |_| t.create(0))?);
                creating += t0.elapsed();
                if let Some(b) = budget {
                    if creating > b * 2 {
                        report.note(format!(
                            "{}: gave up creating services at {} of {n}: over twice the {:.0} s budget",
                            t.name,
                            created.len(),
                            b.as_secs_f64()
                        ));
                        return Ok(());
                    }
                }
            }
            let took = creating;
            eprintln!(
                "  {}: {n} services created in {:.1} s",
                t.name,
                took.as_secs_f64()
            );
            report.put(
                side,
                section,
                &create_label(n),
                Cell::Figure(Samples::one(Unit::Seconds, took.as_secs_f64())),
            );
            let api = time_api(t, n)?;
            eprintln!(
                "  {}: GET /services?status=true with {n}: {}",
                t.name,
                api.summary()
            );
            report.put(side, section, &api_label(n), Cell::Figure(api));
            let cli = time_cli(t, n)?;
            eprintln!(
                "  {}: docker service ls with {n}: {}",
                t.name,
                cli.summary()
            );
            report.put(side, section, &cli_label(n), Cell::Figure(cli));
            at_checkpoint(n);
        }
        Ok(())
    })();
    let t0 = Instant::now();
    let removed = parallel(&created, CLIENTS, |s| t.delete(s));
    eprintln!(
        "  {}: removed {} services in {:.1} s",
        t.name,
        created.len(),
        t0.elapsed().as_secs_f64()
    );
    outcome?;
    removed.map(|_| ())
}
