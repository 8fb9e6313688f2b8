//! Figure 1: the scheduler core alone. One call of `shoal_core::reconcile` over a synthetic
//! cluster with no tasks yet decides every task: the replicated orchestrator creates them and
//! the scheduler places them in the same pass. The clock covers that call only (the
//! decision); the plan is then checked, applied to the in-memory `State` through
//! `apply_batch` (timed separately), and a second reconcile pass over the placed state is
//! timed too: the cost of the control loop when there is nothing to decide. Everything runs
//! on this thread, so the figures are single-core.

use super::check;
use super::synthetic::{self, Shape, NOW};
use crate::stats::{Samples, Unit};
use anyhow::{bail, Result};
use shoal_api::ids::SequentialIds;
use shoal_store::{apply_batch, Batch};
use std::time::Instant;

/// The figures of one shape, one value per trial.
pub struct Figures {
    pub decide: Samples,
    pub rate: Samples,
    pub apply: Samples,
    pub idle_pass: Samples,
    /// Ops in the second pass's plan (0 when the placed state needs nothing more).
    pub idle_ops: usize,
    pub verdict: check::Verdict,
}

/// Peak resident memory of this process so far (`VmHWM`), in bytes.
pub fn peak_rss() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

pub fn run(shape: Shape, trials: usize) -> Result<Figures> {
    let mut f = Figures {
        decide: Samples::new(Unit::Seconds),
        rate: Samples::new(Unit::PerSecond),
        apply: Samples::new(Unit::Seconds),
        idle_pass: Samples::new(Unit::Seconds),
        idle_ops: 0,
        verdict: check::Verdict::default(),
    };
    for trial in 1..=trials {
        crate::sys::check_interrupt()?;
        let mut state = synthetic::build(shape)?;
        let mut ids = SequentialIds::default();

        let t0 = Instant::now();
        let plan = shoal_core::reconcile(&state, NOW, &mut ids);
        let decide = t0.elapsed();

        f.verdict = check::placement(&state, shape, &plan.new_tasks)?;
        if !plan.ops.is_empty() || !plan.desired.is_empty() {
            bail!(
                "the first pass planned {} other ops and {} desired-state changes",
                plan.ops.len(),
                plan.desired.len()
            );
        }
        let ops = plan.into_ops();
        let t1 = Instant::now();
        let results = apply_batch(&mut state, 2, &Batch::new(NOW, ops));
        let apply = t1.elapsed();
        if let Some(e) = results.iter().find_map(|r| r.as_ref().err()) {
            bail!("applying the plan: {e}");
        }
        if state.tasks.len() as u64 != shape.tasks() {
            bail!(
                "the state holds {} tasks after the apply",
                state.tasks.len()
            );
        }
        drop(results);

        let t2 = Instant::now();
        let again = shoal_core::reconcile(&state, NOW, &mut ids);
        let idle = t2.elapsed();
        f.idle_ops = again.into_ops().len();

        let rate = shape.tasks() as f64 / decide.as_secs_f64();
        eprintln!(
            "shoal-bench: sched {}: trial {trial}: decide {:.3} s ({rate:.0}/s), apply {:.3} s, next pass {:.3} s ({} ops)",
            shape.label(),
            decide.as_secs_f64(),
            apply.as_secs_f64(),
            idle.as_secs_f64(),
            f.idle_ops
        );
        f.decide.push_time(Some(decide));
        f.rate.values.push(Some(rate));
        f.apply.push_time(Some(apply));
        f.idle_pass.push_time(Some(idle));
    }
    Ok(f)
}
