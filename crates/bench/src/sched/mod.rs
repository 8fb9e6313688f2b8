//! `shoal-bench sched`: the benchmarks of scheduling and updates (issue 4). Three parts:
//!
//! 1. `core`: the pure pipeline, `shoal_core::reconcile`, placing 100,000 tasks on 1,000
//!    nodes and 1,000,000 on 10,000, half of the services with a constraint and a spread
//!    preference, on one thread ([`pipeline`], over a [`synthetic`] cluster, checked by
//!    [`check`]);
//! 2. `e2e`: a real manager (`shoal daemon`) with 100 in-process agents running a
//!    `shoal_executor::fake`, time for 10,000 tasks to run ([`agents`]);
//! 3. `rolling`: a rolling update of 100 replicas, parallelism 10, against the sum of the
//!    configured delays ([`rolling`]).
//!
//! Prints the figures next to the peers' published ones and writes them as markdown (see
//! BENCHMARKS.md, "Scheduling and updates").

mod agents;
mod check;
mod pipeline;
mod rolling;
mod synthetic;

use crate::cluster::table::{Goal, Row, Table};
use crate::stats::{Samples, Unit};
use crate::sys;
use anyhow::Result;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use synthetic::Shape;

/// The aim for the scheduler core (issue 4): placements per second on one core.
const CORE_AIM: f64 = 100_000.0;
/// Swarm's published figure: 100,000 tasks on 1,000 nodes (seconds).
const SWARM_100K: f64 = 22.6;
/// Nomad's C1M cluster-wide placement rate.
const NOMAD_C1M: f64 = 3_750.0;
/// Shapes above this many tasks run `--big-trials` trials (they take minutes).
const BIG: u64 = 200_000;

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Core,
    E2e,
    Rolling,
}

#[derive(clap::Args, Debug, Clone)]
pub struct SchedArgs {
    /// Which parts to run [default: all]
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Part>,
    /// Scheduler-core problems, as NODESxSERVICESxREPLICAS
    #[arg(long, value_delimiter = ',', default_value = "1000x100x1000,10000x1000x1000", value_parser = parse_shape)]
    shapes: Vec<Shape>,
    /// Trials of each scheduler-core problem of up to 200,000 tasks
    #[arg(long, default_value_t = 3)]
    core_trials: usize,
    /// Trials of each larger scheduler-core problem
    #[arg(long, default_value_t = 1)]
    big_trials: usize,
    /// In-process agents of the end-to-end figure
    #[arg(long, default_value_t = 100)]
    agents: usize,
    /// Replicas of the end-to-end service
    #[arg(long, default_value_t = 10_000)]
    e2e_tasks: u64,
    /// Trials of the end-to-end figure
    #[arg(long, default_value_t = 3)]
    e2e_trials: usize,
    /// Replicas of the rolling-update service
    #[arg(long, default_value_t = 100)]
    rolling_replicas: u64,
    /// `--update-parallelism` of the rolling update
    #[arg(long, default_value_t = 10)]
    parallelism: u64,
    /// `--update-delay` of the rolling update, in milliseconds
    #[arg(long, default_value_t = 1000)]
    delay_ms: u64,
    /// Trials of the rolling update
    #[arg(long, default_value_t = 3)]
    rolling_trials: usize,
    /// Seconds an end-to-end trial or an update may take before it counts as a timeout
    #[arg(long, default_value_t = 300)]
    timeout: u64,
}

fn parse_shape(s: &str) -> Result<Shape, String> {
    let n: Vec<u64> = s
        .split('x')
        .map(|p| p.trim().parse::<u64>())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{s}: {e}"))?;
    match n.as_slice() {
        &[nodes, services, replicas] if nodes > 0 && services > 0 => Ok(Shape {
            nodes: nodes as usize,
            services: services as usize,
            replicas,
        }),
        _ => Err(format!("{s}: expected NODESxSERVICESxREPLICAS")),
    }
}

/// Default output files of `shoal-bench sched`.
pub fn default_out() -> (PathBuf, PathBuf) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    (dir.join("results-sched.md"), dir.join("logs").join("sched"))
}

fn core(args: &SchedArgs, t: &mut Table) -> Result<()> {
    const SECTION: &str = "Scheduler core: one shoal_core::reconcile pass, one thread";
    for &shape in &args.shapes {
        let trials = if shape.tasks() > BIG {
            args.big_trials
        } else {
            args.core_trials
        };
        eprintln!("shoal-bench: === sched core: {} ===", shape.label());
        let f = pipeline::run(shape, trials)?;
        let mut decide = Row::new(
            format!("{}: decision (reconcile → Plan)", shape.label()),
            f.decide,
        );
        if shape.nodes == 1000 && shape.tasks() == 100_000 {
            decide = decide.reference("Swarm: 22.6 s (published)", Some(SWARM_100K));
        }
        t.push(SECTION, decide);
        t.push(
            SECTION,
            Row::new("… placements per second", f.rate)
                .reference("Nomad C1M: 3,750/s (cluster)", Some(NOMAD_C1M))
                .goal(Goal::AtLeast(CORE_AIM)),
        );
        t.push(
            SECTION,
            Row::new("… applying the plan to the State (apply_batch)", f.apply),
        );
        t.push(
            SECTION,
            Row::new(
                format!(
                    "… next reconcile pass over the placed state ({} ops planned)",
                    f.idle_ops
                ),
                f.idle_pass,
            ),
        );
        t.note(format!(
            "core, {}: checked: {} tasks placed, each service's slots complete, no task of a constrained service in zone {}, constrained services' zones within {} task, the others' nodes within {} task; peak RSS of the bench so far {}",
            shape.label(),
            synthetic::thousands(f.verdict.placed),
            synthetic::AVOIDED_ZONE,
            f.verdict.worst_zone_gap,
            f.verdict.worst_node_gap,
            pipeline::peak_rss().map_or("?".into(), |b| format!("{:.2} GB", b as f64 / 1e9)),
        ));
    }
    Ok(())
}

fn e2e(args: &SchedArgs, bin: &Path, logs: &Path, t: &mut Table) -> Result<()> {
    let section = format!(
        "End to end: 1 manager (shoal daemon) + {} in-process agents (fake executor)",
        args.agents
    );
    let f = agents::run(
        bin,
        args.agents,
        args.e2e_tasks,
        args.e2e_trials,
        Duration::from_secs(args.timeout),
        logs,
    )?;
    let n = synthetic::thousands(args.e2e_tasks);
    t.push(
        &section,
        Row::new(format!("service create → {n} tasks running"), f.to_running),
    );
    t.push(
        &section,
        Row::new("… running tasks per second", f.rate)
            .reference("Nomad C1M: 3,750/s (cluster)", Some(NOMAD_C1M)),
    );
    t.push(&section, Row::new("… first task running", f.first));
    t.push(
        &section,
        Row::new(
            format!("{} agents joined (swarm join) and ready", args.agents),
            Samples::one(Unit::Seconds, f.join_time.as_secs_f64()),
        ),
    );
    let per = |v: &[f64]| {
        v.iter()
            .map(|c| format!("{c:.1}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    t.note(format!(
        "e2e: CPU seconds per trial: manager daemon {}; the bench process ({} agents, polling) {}",
        per(&f.manager_cpu),
        args.agents,
        per(&f.agents_cpu)
    ));
    for n in f.notes {
        t.note(format!("e2e: {n}"));
    }
    Ok(())
}

fn rolling(args: &SchedArgs, bin: &Path, logs: &Path, t: &mut Table) -> Result<()> {
    let s = rolling::Settings {
        replicas: args.rolling_replicas,
        parallelism: args.parallelism,
        delay: Duration::from_millis(args.delay_ms),
        trials: args.rolling_trials,
        timeout: Duration::from_secs(args.timeout),
    };
    let section = format!(
        "Rolling update: {} replicas, parallelism {}, delay {} (process executor, one node)",
        s.replicas,
        s.parallelism,
        Samples::one(Unit::Seconds, s.delay.as_secs_f64()).summary()
    );
    let f = rolling::run(bin, &s, logs)?;
    let sum = s.sum_of_delays().as_secs_f64();
    let reference = format!(
        "sum of delays: {} × {}",
        s.batches(),
        Samples::one(Unit::Seconds, s.delay.as_secs_f64()).summary()
    );
    t.push(
        &section,
        Row::new("update request → UpdateStatus completed", f.completed)
            .reference(&reference, Some(sum)),
    );
    t.push(
        &section,
        Row::new(
            format!("update request → all {} running the new spec", s.replicas),
            f.all_new,
        )
        .reference(&reference, Some(sum)),
    );
    for (i, (steps, states)) in f.steps.iter().zip(&f.states).enumerate() {
        let steps: Vec<String> = steps
            .iter()
            .map(|d| format!("{:.2}", d.as_secs_f64()))
            .collect();
        t.note(format!(
            "rolling, trial {}: each tenth of the replicas first running the new spec at [{}] s; UpdateStatus seen: {}",
            i + 1,
            steps.join(", "),
            states.join("; ")
        ));
    }
    Ok(())
}

/// Runs the selected parts; writes the markdown to `out`, keeps daemon logs in `logs`.
pub fn run(args: &SchedArgs, bin: &Path, out: &Path, logs: &Path) -> Result<()> {
    let mut t = Table {
        title: "shoal-bench sched results".into(),
        header: crate::cluster::header(bin),
        ..Table::default()
    };
    let want = |p: Part| args.only.is_empty() || args.only.contains(&p);
    let started = Instant::now();
    let mut loads = Vec::new();
    let mut result = Ok(());
    type Step<'a> = (&'static str, Box<dyn Fn(&mut Table) -> Result<()> + 'a>);
    let mut steps: Vec<Step> = Vec::new();
    if want(Part::Core) {
        steps.push(("core", Box::new(|t| core(args, t))));
    }
    if want(Part::E2e) {
        steps.push(("e2e", Box::new(|t| e2e(args, bin, logs, t))));
    }
    if want(Part::Rolling) {
        steps.push(("rolling", Box::new(|t| rolling(args, bin, logs, t))));
    }
    for (name, step) in steps {
        eprintln!("shoal-bench: === sched: {name} ===");
        let load = sys::loadavg();
        let before = sys::machine_cpu_ticks();
        let outcome = step(&mut t);
        let busy = before
            .zip(sys::machine_cpu_ticks())
            .map(|((b0, t0), (b1, t1))| {
                format!("{:.0}%", (b1 - b0) as f64 * 100.0 / (t1 - t0).max(1) as f64)
            })
            .unwrap_or_else(|| "?".into());
        loads.push(format!("{name}: load {load}, CPUs {busy} busy"));
        if let Err(e) = outcome {
            t.note(format!("{name}: stopped by an error: {e:#}"));
            let interrupted = sys::check_interrupt().is_err();
            result = Err(e);
            if interrupted {
                break;
            }
        }
    }
    t.header.push(format!(
        "Machine while each part ran (1-min load average at its start; share of all CPU time that was busy, all processes, from /proc/stat): {}; load at the end: {}; total {:.0} s",
        loads.join("; "),
        sys::loadavg(),
        started.elapsed().as_secs_f64()
    ));
    println!("{}", t.to_text());
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(dir);
    }
    match std::fs::write(out, t.to_markdown()) {
        Ok(()) => eprintln!("shoal-bench: results written to {}", out.display()),
        Err(e) => eprintln!("shoal-bench: cannot write {}: {e}", out.display()),
    }
    result
}
