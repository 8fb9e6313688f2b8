//! The parts of a bench run: the docker-executor comparison (shoal, Docker Swarm and the
//! engine alone, interleaved), shoal with the process executor, and `service ls` on a fresh
//! process-executor daemon. Each starts what it measures and cleans it up (guards), and
//! puts its figures into the report.

use crate::converge::{self, Contender, Pace};
use crate::report::{Cell, Report, Side};
use crate::sections::*;
use crate::shoal;
use crate::stats::Samples;
use crate::swarm::{DockerSwarm, ENGINE_SOCKET};
use crate::target::{Runs, Target};
use crate::{killed, listing, rss, Args};
use anyhow::Result;
use shoal_testbed::client::Api;
use shoal_testbed::Daemon;
use std::path::Path;
use std::time::Duration;

/// One orchestrator's part of the bench.
pub type Block = fn(&Args, &Path, &mut Report) -> Result<()>;

fn pace(args: &Args) -> Pace {
    Pace {
        limit: Duration::from_secs(args.timeout),
        poll: Duration::from_millis(args.poll_ms),
    }
}

/// Adds a note on the WARN/ERROR lines of a shoal daemon's log, and keeps the log.
fn daemon_epilogue(d: &mut Daemon, name: &str, report: &mut Report) {
    d.stop();
    let out = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("logs")
        .join(format!("{name}.log"));
    d.save_log(&out);
    let lines = d.complaints();
    if lines.is_empty() {
        return;
    }
    let mut kinds: Vec<String> = Vec::new();
    for l in &lines {
        let msg = ["ERROR", "WARN"]
            .iter()
            .find_map(|lvl| l.split_once(lvl).map(|(_, m)| format!("{lvl}{m}")))
            .unwrap_or_else(|| l.clone());
        let key: String = msg.chars().take(120).collect();
        if !kinds
            .iter()
            .any(|k| k.chars().take(60).eq(key.chars().take(60)))
        {
            kinds.push(key);
        }
    }
    kinds.truncate(5);
    report.note(format!(
        "{name} daemon log: {} WARN/ERROR line(s) (log kept in {}); e.g. {}",
        lines.len(),
        out.display(),
        kinds.join(" / ")
    ));
}

/// The docker-executor comparison: shoal (docker executor), Docker Swarm and the engine alone
/// on the same engine, their trials interleaved; then `service ls` on Swarm.
pub fn docker_side_by_side(args: &Args, bin: &Path, report: &mut Report) -> Result<()> {
    let engine = Api::new(ENGINE_SOCKET);
    let dockerd = rss::dockerd_pid();
    for (skip, what) in [
        (args.no_docker_executor, "shoal with the docker executor"),
        (args.no_swarm, "Docker Swarm"),
        (args.no_floor, "the engine alone"),
    ] {
        if skip {
            report.note(format!("{what}: skipped (command-line flag)"));
        }
    }
    let mut daemon = if args.no_docker_executor {
        None
    } else {
        Some(shoal::start(bin, "docker")?)
    };
    let mut swarm = if args.no_swarm {
        None
    } else {
        Some(DockerSwarm::join_or_init(&engine)?)
    };
    let shoal_t = daemon.as_ref().map(|d| {
        Target::new(
            "shoal (docker)",
            d.api.clone(),
            engine.clone(),
            Runs::Containers,
        )
    });
    let swarm_t = swarm.as_ref().map(|_| {
        Target::new(
            "Docker Swarm",
            engine.clone(),
            engine.clone(),
            Runs::Containers,
        )
    });
    let shoal_pid = daemon.as_ref().and_then(Daemon::pid);
    let outcome = (|| -> Result<()> {
        if shoal_t.is_some() {
            let idle = rss::settled(shoal_pid)?;
            report.put(Side::Shoal, RSS, RSS_IDLE_D, Cell::Figure(idle));
        }
        if swarm_t.is_some() {
            let idle = rss::settled(dockerd)?;
            report.put(Side::Swarm, RSS, RSS_IDLE_D, Cell::Figure(idle.clone()));
            report.put(Side::Swarm, RSS, RSS_IDLE_P, Cell::Figure(idle));
        }
        let mut contenders = Vec::new();
        let mut targets = Vec::new();
        if let Some(t) = &shoal_t {
            contenders.push(Contender::Orchestrator(t, Side::Shoal));
            targets.push((t, Side::Shoal));
        }
        if let Some(t) = &swarm_t {
            contenders.push(Contender::Orchestrator(t, Side::Swarm));
            targets.push((t, Side::Swarm));
        }
        if !args.no_floor {
            contenders.push(Contender::EngineAlone(&engine));
        }
        let max_n = args.docker_n.iter().copied().max().unwrap_or(0);
        let mut peaks: Vec<(Side, Samples)> = Vec::new();
        let plan = converge::Plan {
            ns: &args.docker_n,
            trials: args.trials,
            pace: pace(args),
        };
        converge::run(&contenders, report, CONV_D, &plan, &mut |i, n| {
            if n != max_n {
                return;
            }
            if let Contender::Orchestrator(_, side) = contenders[i] {
                let pid = if side == Side::Shoal {
                    shoal_pid
                } else {
                    dockerd
                };
                if let Ok(s) = rss::now(pid) {
                    peaks.retain(|(sd, _)| *sd != side);
                    peaks.push((side, s));
                }
            }
        })?;
        let label = rss_tasks_label(max_n, "docker executor");
        for (side, s) in peaks {
            report.put(side, RSS, &label, Cell::Figure(s));
        }
        killed::run(
            &targets,
            report,
            KILL,
            KILL_DOCKER,
            args.kill_trials,
            pace(args),
        )?;
        if let Some(t) = &swarm_t {
            let mut at = Vec::new();
            let budget = Some(Duration::from_secs(args.swarm_budget));
            listing::run(
                t,
                report,
                Side::Swarm,
                LS,
                &args.services,
                budget,
                &mut |n| at.push((n, rss::settled(dockerd))),
            )?;
            for (n, r) in at {
                if let Ok(s) = r {
                    report.put(Side::Swarm, RSS, &rss_services_label(n), Cell::Figure(s));
                }
            }
        }
        Ok(())
    })();
    drop(shoal_t);
    drop(swarm_t);
    if let Some(d) = daemon.as_mut() {
        daemon_epilogue(d, "shoal-docker", report);
    }
    if let Some(s) = swarm.as_mut() {
        s.leave();
    }
    outcome
}

/// shoal with the process executor: idle RSS, convergence up to 1000 tasks, killed task back.
pub fn shoal_process(args: &Args, bin: &Path, report: &mut Report) -> Result<()> {
    let mut d = shoal::start(bin, "process")?;
    let engine = Api::new(ENGINE_SOCKET);
    let t = Target::new("shoal (process)", d.api.clone(), engine, Runs::Processes);
    let pid = d.pid();
    let outcome = (|| -> Result<()> {
        report.put(
            Side::Shoal,
            RSS,
            RSS_IDLE_P,
            Cell::Figure(rss::settled(pid)?),
        );
        let mut peak = None;
        let max_n = args.process_n.iter().copied().max().unwrap_or(0);
        let plan = converge::Plan {
            ns: &args.process_n,
            trials: args.trials,
            pace: pace(args),
        };
        let contenders = [Contender::Orchestrator(&t, Side::Shoal)];
        converge::run(&contenders, report, CONV_P, &plan, &mut |_, n| {
            if n == max_n {
                peak = rss::now(pid).ok();
            }
        })?;
        if let Some(p) = peak {
            let label = rss_tasks_label(max_n, "process executor");
            report.put(Side::Shoal, RSS, &label, Cell::Figure(p));
        }
        let targets = [(&t, Side::Shoal)];
        killed::run(
            &targets,
            report,
            KILL,
            KILL_PROCESS,
            args.kill_trials,
            pace(args),
        )
    })();
    drop(t);
    daemon_epilogue(&mut d, "shoal-process", report);
    outcome
}

/// `service ls` on a fresh process-executor daemon, so its RSS with many services is not
/// inflated by the earlier 1000-task convergence (memory the allocator keeps).
pub fn shoal_listing(args: &Args, bin: &Path, report: &mut Report) -> Result<()> {
    let mut d = shoal::start(bin, "process")?;
    let engine = Api::new(ENGINE_SOCKET);
    let t = Target::new("shoal (process)", d.api.clone(), engine, Runs::Processes);
    let mut at = Vec::new();
    let outcome = listing::run(
        &t,
        report,
        Side::Shoal,
        LS,
        &args.services,
        None,
        &mut |n| at.push((n, rss::settled(d.pid()))),
    );
    for (n, r) in at {
        if let Ok(s) = r {
            report.put(Side::Shoal, RSS, &rss_services_label(n), Cell::Figure(s));
        }
    }
    drop(t);
    daemon_epilogue(&mut d, "shoal-process-ls", report);
    outcome
}
