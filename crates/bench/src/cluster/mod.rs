//! `shoal-bench cluster`: benchmarks of a shoal cluster on 127.0.0.1, with no Docker
//! involved (process executor): leader failover, a worker's tasks moving after it dies,
//! committed writes per second through three managers, and the daemons' memory in a 5-node
//! cluster. Every part forms its own cluster of `shoal daemon`s on temp dirs and free ports
//! and stops them and deletes the dirs when it ends, also on error or Ctrl-C. Prints the
//! figures (p50, p95, min–max, a reference from other orchestrators, the goal) and writes
//! them as markdown (see BENCHMARKS.md, "Cluster").

mod failover;
pub mod formation;
mod memory;
pub mod node;
pub mod table;
mod worker_loss;
mod writes;

use crate::sys;
use anyhow::Result;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;
use table::Table;

/// The parts of `shoal-bench cluster`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Failover,
    WorkerLoss,
    Writes,
    Memory,
}

#[derive(clap::Args, Debug, Clone)]
pub struct ClusterArgs {
    /// Which parts to run [default: all]
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Part>,
    /// Trials of the failover and worker-loss figures
    #[arg(long, default_value_t = 10)]
    trials: usize,
    /// Manager counts for the failover figure
    #[arg(long, value_delimiter = ',', default_value = "3,5")]
    managers: Vec<usize>,
    /// Heartbeat periods for the worker-loss figure; `default` is `swarm init` without
    /// `--dispatcher-heartbeat`
    #[arg(long, value_delimiter = ',', default_value = "default,500ms")]
    heartbeats: Vec<String>,
    /// Replicas of the worker-loss service
    #[arg(long, default_value_t = 12)]
    replicas: u64,
    /// Concurrent clients of the write load
    #[arg(long, default_value_t = 48)]
    clients: usize,
    /// Managers of the write-load cluster (the figure is defined for 3; 1 shows the cost of
    /// replication)
    #[arg(long, default_value_t = 3)]
    write_managers: usize,
    /// Send every write to the leader instead of spreading the clients over all managers
    /// (a diagnostic: shows the cost of forwarding)
    #[arg(long)]
    write_leader_only: bool,
    /// Seconds of each write-load trial (after a 1 s warm-up)
    #[arg(long, default_value_t = 10)]
    write_secs: u64,
    /// Trials of the write load
    #[arg(long, default_value_t = 10)]
    write_trials: usize,
    /// Services (1 replica each) for the memory figure
    #[arg(long, default_value_t = 100)]
    services: usize,
}

/// `sleep` arguments used by this run, to find leftovers at the end.
static USED_ARGS: Mutex<Vec<String>> = Mutex::new(Vec::new());
static NEXT_ARG: AtomicU64 = AtomicU64::new(700_000);

/// A `sleep` argument no process on the host has, so a service's tasks can be found.
pub fn unique_arg() -> String {
    loop {
        let arg = NEXT_ARG.fetch_add(1, Ordering::SeqCst).to_string();
        if sys::find_by_args("sleep", &arg).is_empty() {
            USED_ARGS
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(arg.clone());
            return arg;
        }
    }
}

pub fn header(bin: &Path) -> Vec<String> {
    let engine = shoal_testbed::client::Api::new(crate::swarm::ENGINE_SOCKET);
    let mut h: Vec<String> = crate::machine::describe(&engine)
        .into_iter()
        .filter(|l| !l.starts_with("Docker Engine"))
        .collect();
    h.push(format!(
        "shoal: {} ({})",
        bin.display(),
        crate::machine::command_line(bin.to_str().unwrap_or("shoal"), &["--version"])
    ));
    h.push("All daemons on 127.0.0.1, process executor, own temp data dirs; p50/p95 interpolated between ranks".into());
    h
}

/// Runs the selected parts; writes the markdown to `out`, keeps daemon logs in `logs`.
pub fn run(args: &ClusterArgs, bin: &Path, out: &Path, logs: &Path) -> Result<()> {
    let mut t = Table {
        title: "shoal-bench cluster results".into(),
        header: header(bin),
        ..Table::default()
    };
    let want = |p: Part| args.only.is_empty() || args.only.contains(&p);
    let started = Instant::now();
    let mut loads = Vec::new();
    let mut result = Ok(());
    type Step<'a> = (String, Box<dyn Fn(&mut Table) -> Result<()> + 'a>);
    let mut steps: Vec<Step> = Vec::new();
    if want(Part::Failover) {
        for &m in &args.managers {
            steps.push((
                format!("failover, {m} managers"),
                Box::new(move |t| failover::run(bin, m, args.trials, t, logs)),
            ));
        }
    }
    if want(Part::WorkerLoss) {
        for hb in &args.heartbeats {
            let hb = (hb != "default").then_some(hb.as_str());
            steps.push((
                format!("worker loss, heartbeat {}", hb.unwrap_or("default")),
                Box::new(move |t| worker_loss::run(bin, hb, args.replicas, args.trials, t, logs)),
            ));
        }
    }
    if want(Part::Writes) {
        steps.push((
            format!(
                "writes, {} managers, {} clients",
                args.write_managers, args.clients
            ),
            Box::new(|t| {
                let load = writes::Load {
                    managers: args.write_managers,
                    leader_only: args.write_leader_only,
                    clients: args.clients,
                    secs: args.write_secs,
                    trials: args.write_trials,
                };
                writes::run(bin, &load, t, logs)
            }),
        ));
    }
    if want(Part::Memory) {
        steps.push((
            format!("memory, {} services", args.services),
            Box::new(|t| memory::run(bin, args.services, t, logs)),
        ));
    }
    for (name, step) in steps {
        eprintln!("shoal-bench: === cluster: {name} ===");
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
            if sys::check_interrupt().is_err() {
                result = Err(e);
                break;
            }
            result = Err(e);
        }
    }
    let leftovers: Vec<i32> = USED_ARGS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .flat_map(|a| sys::find_by_args("sleep", a))
        .collect();
    if !leftovers.is_empty() {
        t.note(format!(
            "{} task processes outlived their daemons and were killed: pids {leftovers:?}",
            leftovers.len()
        ));
        for pid in leftovers {
            let _ = sys::kill9(pid);
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
    eprintln!("shoal-bench: daemon logs kept in {}", logs.display());
    result
}

/// Default output files of `shoal-bench cluster`.
pub fn default_out() -> (PathBuf, PathBuf) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    (
        dir.join("results-cluster.md"),
        dir.join("logs").join("cluster"),
    )
}
