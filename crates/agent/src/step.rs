//! The next executor step for a task, from its observed and desired states.
//!
//! Pure and table-tested; the runner performs one step per call, like swarmkit's `exec.Do`.

use shoal_api::TaskState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Acknowledge the assignment (ASSIGNED -> ACCEPTED).
    Accept,
    /// Pull/create (-> PREPARING -> READY).
    Prepare,
    /// Start it (-> STARTING -> RUNNING).
    Start,
    /// Wait for its exit (-> COMPLETE or FAILED), or for a change of desired state.
    Wait,
    /// Stop it (-> SHUTDOWN).
    Shutdown,
    /// Nothing to do until the desired state changes.
    Idle,
}

pub fn next_step(observed: TaskState, desired: TaskState) -> Step {
    use TaskState::*;
    if observed.is_terminal() {
        return Step::Idle;
    }
    if !desired.is_runnable() {
        return Step::Shutdown;
    }
    match observed {
        New | Pending => Step::Idle,
        Assigned => Step::Accept,
        Accepted | Preparing => Step::Prepare,
        Ready | Starting if desired >= Running => Step::Start,
        Ready | Starting => Step::Idle,
        _ => Step::Wait,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TaskState::*;

    #[test]
    fn transitions() {
        let table = [
            (Assigned, Running, Step::Accept),
            (Accepted, Running, Step::Prepare),
            (Preparing, Running, Step::Prepare),
            (Ready, Running, Step::Start),
            (Ready, Ready, Step::Idle),
            (Accepted, Ready, Step::Prepare),
            (Starting, Running, Step::Start),
            (Running, Running, Step::Wait),
            (Running, Shutdown, Step::Shutdown),
            (Ready, Remove, Step::Shutdown),
            (Assigned, Shutdown, Step::Shutdown),
            (Failed, Running, Step::Idle),
            (Complete, Shutdown, Step::Idle),
            // Jobs want COMPLETE: run to the end like RUNNING.
            (Ready, Complete, Step::Start),
            (Running, Complete, Step::Wait),
            (Complete, Complete, Step::Idle),
            (Pending, Running, Step::Idle),
        ];
        for (observed, desired, want) in table {
            assert_eq!(
                next_step(observed, desired),
                want,
                "{observed:?} -> {desired:?}"
            );
        }
    }
}
