//! Killed task back: a fresh 1-replica service per trial; once its task has run for a
//! second, kill it (SIGKILL to its `sleep` process, or `POST /containers/{id}/kill`) and time
//! until a *different* task of the service is observed `running`. The clock starts just
//! before the kill. A fresh service per trial makes every kill a first failure, so shoal's
//! adaptive back-off starts at 0 each time (Swarm's default delay is a flat 5 s).

use crate::converge::Pace;
use crate::report::{Cell, Report, Side};
use crate::stats::{Samples, Unit};
use crate::sys;
use crate::target::Target;
use anyhow::{bail, Result};
use std::time::{Duration, Instant};

/// How long the first task may take to start.
const START_LIMIT: Duration = Duration::from_secs(120);
/// How long the task runs before it is killed (not timed).
const SETTLE: Duration = Duration::from_secs(1);

pub fn once(t: &Target, pace: Pace) -> Result<Option<Duration>> {
    let svc = t.create(1)?;
    let outcome = (|| {
        let first = sys::poll(START_LIMIT, pace.poll, || {
            Ok(t.running(&svc)?.into_iter().next())
        })?;
        let Some(first) = first else {
            bail!("the service's first task did not run within {START_LIMIT:?}");
        };
        sys::sleep(SETTLE)?;
        let t0 = Instant::now();
        t.kill(&svc, &first)?;
        sys::poll(pace.limit, pace.poll, || {
            let back = t.running(&svc)?.iter().any(|task| task.id != first.id);
            Ok(back.then(|| t0.elapsed()))
        })
    })();
    let removed = t.remove(&svc);
    let r = outcome?;
    removed?;
    Ok(r)
}

/// `trials` trials, the targets' interleaved; fills the row `label` of `section`.
pub fn run(
    targets: &[(&Target, Side)],
    report: &mut Report,
    section: &str,
    label: &str,
    trials: usize,
    pace: Pace,
) -> Result<()> {
    let mut samples: Vec<Samples> = targets
        .iter()
        .map(|_| Samples::new(Unit::Seconds))
        .collect();
    for trial in 1..=trials {
        for ((t, _), s) in targets.iter().zip(samples.iter_mut()) {
            sys::check_interrupt()?;
            match once(t, pace) {
                Ok(d) => {
                    eprintln!(
                        "  {}: killed task back trial {trial}/{trials}: {}",
                        t.name,
                        d.map(|d| format!("{:.3} s", d.as_secs_f64()))
                            .unwrap_or_else(|| "timeout".into())
                    );
                    s.push_time(d);
                }
                Err(e) => {
                    sys::check_interrupt()?;
                    report.note(format!(
                        "{}: killed-task trial {trial}: error: {e:#}",
                        t.name
                    ));
                }
            }
        }
    }
    for ((_, side), s) in targets.iter().zip(samples) {
        let cell = if s.values.is_empty() {
            Cell::Text("error".into())
        } else {
            Cell::Figure(s)
        };
        report.put(*side, section, label, cell);
    }
    Ok(())
}
