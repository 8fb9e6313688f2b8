//! Convergence: the time from `POST /services/create` (N replicas of `sleep <n>`) until all
//! N tasks are observed `running` in `GET /tasks` (polled every 10 ms). The clock starts just
//! before the create request is sent, so it includes the request itself. After each trial the
//! service is removed and the bench waits until its containers or processes are gone.

use crate::floor;
use crate::report::{Cell, Report, Side};
use crate::stats::{Samples, Unit};
use crate::sys;
use crate::target::Target;
use anyhow::Result;
use shoal_testbed::client::Api;
use std::time::{Duration, Instant};

/// How long a wait may last, and the pause between two polls of `GET /tasks`.
#[derive(Debug, Clone, Copy)]
pub struct Pace {
    pub limit: Duration,
    pub poll: Duration,
}

/// One trial. `at_peak` runs once all tasks are running (before removal), e.g. to read RSS.
/// `Ok(None)` is a timeout.
pub fn once(t: &Target, n: u64, pace: Pace, at_peak: &mut dyn FnMut()) -> Result<Option<Duration>> {
    let Pace { limit, poll } = pace;
    let t0 = Instant::now();
    let svc = t.create(n)?;
    let mut seen = 0;
    let r = sys::poll(limit, poll, || {
        seen = t.running(&svc)?.len();
        Ok((seen as u64 >= n).then(|| t0.elapsed()))
    });
    let r = match r {
        Ok(r) => r,
        Err(e) => {
            let _ = t.remove(&svc);
            return Err(e);
        }
    };
    if r.is_some() {
        at_peak();
    } else {
        eprintln!(
            "  {}: N={n}: timeout after {limit:?} with {seen}/{n} tasks running",
            t.name
        );
    }
    t.remove(&svc)?;
    Ok(r)
}

/// What to run: `trials` trials for each N in `ns`.
pub struct Plan<'a> {
    pub ns: &'a [u64],
    pub trials: usize,
    pub pace: Pace,
}

/// Who is measured: an orchestrator (in its column), or the engine alone (the floor).
pub enum Contender<'a> {
    Orchestrator(&'a Target, Side),
    EngineAlone(&'a Api),
}

impl Contender<'_> {
    fn name(&self) -> &str {
        match self {
            Contender::Orchestrator(t, _) => &t.name,
            Contender::EngineAlone(_) => "engine alone",
        }
    }
}

/// Runs the plan, the contenders' trials interleaved (so that a change in the machine's load
/// hits them alike); fills the rows `N = <n>` of `section`. `at_peak(i, n)` runs when the
/// i-th contender (an orchestrator) has all N tasks running.
pub fn run(
    contenders: &[Contender],
    report: &mut Report,
    section: &str,
    plan: &Plan,
    at_peak: &mut dyn FnMut(usize, u64),
) -> Result<()> {
    let Plan { ns, trials, pace } = *plan;
    for &n in ns {
        let label = format!("N = {n}");
        let mut samples: Vec<Samples> = contenders
            .iter()
            .map(|_| Samples::new(Unit::Seconds))
            .collect();
        for trial in 1..=trials {
            for (i, c) in contenders.iter().enumerate() {
                sys::check_interrupt()?;
                let outcome = match c {
                    Contender::Orchestrator(t, _) => once(t, n, pace, &mut || at_peak(i, n)),
                    Contender::EngineAlone(engine) => floor::once(engine, n).map(Some),
                };
                match outcome {
                    Ok(d) => {
                        eprintln!(
                            "  {}: N={n} trial {trial}/{trials}: {}",
                            c.name(),
                            d.map(|d| format!("{:.3} s", d.as_secs_f64()))
                                .unwrap_or_else(|| "timeout".into())
                        );
                        samples[i].push_time(d);
                    }
                    Err(e) => {
                        sys::check_interrupt()?;
                        report.note(format!(
                            "{}: convergence N={n} trial {trial}: error: {e:#}",
                            c.name()
                        ));
                    }
                }
            }
        }
        for (c, s) in contenders.iter().zip(samples) {
            let cell = if s.values.is_empty() {
                Cell::Text("error".into())
            } else {
                Cell::Figure(s)
            };
            match c {
                Contender::Orchestrator(_, side) => report.put(*side, section, &label, cell),
                Contender::EngineAlone(_) => report.put_floor(section, &label, cell),
            }
        }
    }
    Ok(())
}
