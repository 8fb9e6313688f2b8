//! `shoal-bench`: measures a release-built `shoal` against Docker Swarm on the local Docker
//! Engine, side by side, in one run: convergence with the docker executor (and Swarm) and with
//! the process executor, a killed task coming back, `service ls` with many services, and the
//! daemons' resident memory. Prints a table and writes it as markdown (see BENCHMARKS.md).
//! `shoal-bench cluster` measures a shoal cluster instead (see [`cluster`]), and `shoal-bench
//! sched` the scheduler core, a manager with 100 agents, and a rolling update (see [`sched`]).
//!
//! Everything it starts is cleaned up by guards (shoal daemons, services, the swarm if it
//! initialised one), also on error or Ctrl-C. It only talks to local unix sockets.

mod blocks;
mod cluster;
mod converge;
mod floor;
mod killed;
mod listing;
mod machine;
mod report;
mod rss;
mod sched;
mod sections;
mod shoal;
mod stats;
mod swarm;
mod sys;
mod target;

use anyhow::{bail, Context, Result};
use blocks::*;
use clap::Parser;
use report::{Cell, Goal, Report, Side};
use sections::*;
use shoal_testbed::Api;
use std::path::{Path, PathBuf};
use std::time::Instant;
use swarm::ENGINE_SOCKET;
use target::IMAGE;

#[derive(Parser, Debug)]
#[command(
    name = "shoal-bench",
    about = "Benchmark shoal against Docker Swarm on the local Docker Engine"
)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// The shoal binary [default: `shoal` next to this program, else $CARGO_TARGET_DIR/release/shoal, else target/release/shoal]
    #[arg(long, global = true)]
    shoal: Option<PathBuf>,
    /// Where to write the markdown results [default: crates/bench/results.md, results-cluster.md or results-sched.md for the subcommands]
    #[arg(long, global = true)]
    out: Option<PathBuf>,
    /// Trials per convergence figure
    #[arg(long, default_value_t = 3)]
    trials: usize,
    /// Trials of the killed-task figure
    #[arg(long, default_value_t = 5)]
    kill_trials: usize,
    /// Seconds a convergence or a killed task may take before it counts as a timeout
    #[arg(long, default_value_t = 120)]
    timeout: u64,
    /// Milliseconds between two polls of `GET /tasks`
    #[arg(long, default_value_t = 10)]
    poll_ms: u64,
    /// Replica counts for the docker-executor and Swarm convergence
    #[arg(long, value_delimiter = ',', default_value = "1,10,50")]
    docker_n: Vec<u64>,
    /// Replica counts for the process-executor convergence
    #[arg(long, value_delimiter = ',', default_value = "1,100,1000")]
    process_n: Vec<u64>,
    /// Service counts at which `service ls` is timed (ascending)
    #[arg(long, value_delimiter = ',', default_value = "200,1000")]
    services: Vec<usize>,
    /// Seconds Swarm may spend creating services before the larger counts are skipped
    #[arg(long, default_value_t = 180)]
    swarm_budget: u64,
    /// Skip Docker Swarm
    #[arg(long)]
    no_swarm: bool,
    /// Skip the engine-alone floor (containers started without an orchestrator)
    #[arg(long)]
    no_floor: bool,
    /// Skip shoal with the docker executor
    #[arg(long)]
    no_docker_executor: bool,
    /// Skip shoal with the process executor
    #[arg(long)]
    no_process_executor: bool,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Benchmarks of a shoal cluster on 127.0.0.1 (no Docker): leader failover, a dead
    /// worker's tasks moving, committed writes per second, memory of a 5-node cluster
    Cluster(cluster::ClusterArgs),
    /// Benchmarks of scheduling and updates (no Docker): the scheduler core placing 100,000
    /// and 1,000,000 tasks, a manager with 100 in-process agents running 10,000 tasks, a
    /// rolling update of 100 replicas
    Sched(sched::SchedArgs),
}

fn main() -> std::process::ExitCode {
    sys::install_interrupt_handler();
    let args = Args::parse();
    let sub = match &args.command {
        Some(Command::Cluster(c)) => Some(run_cluster(&args, c)),
        Some(Command::Sched(s)) => Some(run_sched(&args, s)),
        None => None,
    };
    if let Some(outcome) = sub {
        return match outcome {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("shoal-bench: {e:#}");
                std::process::ExitCode::from(1)
            }
        };
    }
    let mut report = Report::default();
    let started = Instant::now();
    let result = run(&args, &mut report);
    if let Err(e) = &result {
        report.note(format!("the bench stopped early: {e:#}"));
    }
    report.header.push(format!(
        "Load average (1 min) at the end: {}; total bench time {:.0} s",
        sys::loadavg(),
        started.elapsed().as_secs_f64()
    ));
    println!("{}", report.to_text());
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("results.md"));
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(dir);
    }
    match std::fs::write(&out, report.to_markdown()) {
        Ok(()) => eprintln!("shoal-bench: results written to {}", out.display()),
        Err(e) => eprintln!("shoal-bench: cannot write {}: {e}", out.display()),
    }
    if result.is_err() {
        std::process::ExitCode::from(1)
    } else {
        std::process::ExitCode::SUCCESS
    }
}

fn default_shoal() -> PathBuf {
    // Built together, shoal-bench and shoal sit in the same directory.
    if let Some(sibling) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(|d| d.join("shoal")))
        .filter(|p| p.is_file())
    {
        return sibling;
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"));
    target.join("release").join("shoal")
}

fn shoal_binary(args: &Args) -> Result<PathBuf> {
    let bin = args.shoal.clone().unwrap_or_else(default_shoal);
    std::fs::canonicalize(&bin).with_context(|| {
        format!(
            "shoal binary {} (build it: cargo build --release -p shoal)",
            bin.display()
        )
    })
}

fn run_cluster(args: &Args, c: &cluster::ClusterArgs) -> Result<()> {
    let bin = shoal_binary(args)?;
    let (out, logs) = cluster::default_out();
    let out = args.out.clone().unwrap_or(out);
    cluster::run(c, &bin, &out, &logs)
}

fn run_sched(args: &Args, s: &sched::SchedArgs) -> Result<()> {
    let bin = shoal_binary(args)?;
    let (out, logs) = sched::default_out();
    let out = args.out.clone().unwrap_or(out);
    sched::run(s, &bin, &out, &logs)
}

fn run(args: &Args, report: &mut Report) -> Result<()> {
    let bin = shoal_binary(args)?;
    let engine = Api::new(ENGINE_SOCKET);
    report.header.extend(machine::describe(&engine));
    report.header.push(format!(
        "shoal: {} ({})",
        bin.display(),
        machine::command_line(bin.to_str().unwrap_or("shoal"), &["--version"])
    ));
    report.header.push(format!(
        "Trials: {} per convergence figure, {} for the killed task; timeout {} s; GET /tasks polled every {} ms; tasks run `sleep <unique number ≥ 100000>`, image {IMAGE}",
        args.trials, args.kill_trials, args.timeout, args.poll_ms
    ));
    report.header.push(format!(
        "Load average (1 min) at the start: {}",
        sys::loadavg()
    ));
    let image = engine.request("GET", &format!("/images/{IMAGE}/json"), None)?;
    if image.status != 200 && !(args.no_swarm && args.no_docker_executor) {
        bail!("the image {IMAGE} is missing: run `bash scripts/build-test-image.sh`");
    }

    // Row order.
    for n in &args.docker_n {
        report.declare(CONV_D, &format!("N = {n}"), Goal::RatioAtMost(0.5));
    }
    for n in &args.process_n {
        report.declare(CONV_P, &format!("N = {n}"), Goal::None);
    }
    report.declare(KILL, KILL_DOCKER, Goal::SecondsBelow(1.0));
    report.declare(KILL, KILL_PROCESS, Goal::SecondsBelow(1.0));
    for &n in &args.services {
        report.declare(LS, &listing::api_label(n), Goal::None);
        report.declare(LS, &listing::cli_label(n), Goal::None);
        report.declare(LS, &listing::create_label(n), Goal::None);
    }
    report.declare(RSS, RSS_BEFORE, Goal::None);
    report.declare(RSS, RSS_IDLE_D, Goal::BytesBelow(30e6));
    report.declare(RSS, RSS_IDLE_P, Goal::BytesBelow(30e6));

    let dockerd = rss::dockerd_pid();
    match rss::now(dockerd) {
        Ok(s) => report.put(Side::Swarm, RSS, RSS_BEFORE, Cell::Figure(s)),
        Err(e) => report.note(format!("dockerd's RSS: {e:#}")),
    }

    let parts: [(&str, bool, Block); 3] = [
        (
            "docker executor: shoal, Docker Swarm and the engine alone, interleaved",
            args.no_docker_executor && args.no_swarm && args.no_floor,
            docker_side_by_side,
        ),
        (
            "shoal, process executor",
            args.no_process_executor,
            shoal_process,
        ),
        (
            "shoal, process executor, service ls",
            args.no_process_executor,
            shoal_listing,
        ),
    ];
    // The machine may be shared: keep the load each part started under.
    let mut loads = Vec::new();
    for (name, skip, part) in parts {
        if skip {
            report.note(format!("{name}: skipped (command-line flag)"));
            continue;
        }
        eprintln!("shoal-bench: === {name} ===");
        loads.push(format!("{name} {}", sys::loadavg()));
        let outcome = part(args, &bin, report);
        if let Err(e) = outcome {
            if sys::check_interrupt().is_err() {
                report.header.push(format!(
                    "Load average (1 min) as each part started: {}",
                    loads.join("; ")
                ));
                return Err(e);
            }
            report.note(format!("{name}: {e:#}"));
        }
    }
    report.header.push(format!(
        "Load average (1 min) as each part started: {}",
        loads.join("; ")
    ));
    sys::check_interrupt()
}
