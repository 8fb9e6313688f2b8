//! Tasks: creation, then narrow writes, one field each, so that racing writers (scheduler,
//! orchestrator, an agent's report) never undo each other; states only move forward.

use super::{not_found, At};
use crate::error::StoreError;
use crate::state::State;
use shoal_api::{Task, TaskState, TaskStatus};

/// The task `id`, for a write.
fn get<'a>(state: &'a mut State, id: &str) -> Result<&'a mut Task, StoreError> {
    state.tasks.get_mut(id).ok_or_else(|| not_found("task", id))
}

pub(super) fn create(state: &mut State, at: At, t: &Task) -> Result<(), StoreError> {
    if state.tasks.contains_key(&t.id) {
        return Err(StoreError::IdConflict {
            kind: "task".into(),
            id: t.id.clone(),
        });
    }
    let mut t = t.clone();
    t.version.index = at.index;
    t.created_at = at.now;
    t.updated_at = at.now;
    if t.status.timestamp.is_zero() {
        t.status.timestamp = at.now;
    }
    state.tasks.insert(t.id.clone(), t);
    Ok(())
}

/// Scheduler: places a task not yet assigned on `node_id`.
pub(super) fn assign(state: &mut State, at: At, id: &str, node_id: &str) -> Result<(), StoreError> {
    let t = get(state, id)?;
    if t.status.state >= TaskState::Assigned {
        return Err(StoreError::Invalid(format!(
            "task {id} is already assigned"
        )));
    }
    t.node_id = node_id.to_string();
    t.status.state = TaskState::Assigned;
    t.status.message = "scheduler assigned task to node".into();
    t.status.err.clear();
    t.status.timestamp = at.now;
    t.version.index = at.index;
    t.updated_at = at.now;
    Ok(())
}

/// Scheduler: the task stays pending because of `err`; written only if that changes anything.
pub(super) fn set_pending(
    state: &mut State,
    at: At,
    id: &str,
    err: &str,
) -> Result<(), StoreError> {
    let t = get(state, id)?;
    if t.status.state > TaskState::Pending {
        return Err(StoreError::Invalid(format!("task {id} is past pending")));
    }
    if t.status.state != TaskState::Pending || t.status.err != err {
        t.status.state = TaskState::Pending;
        t.status.message = "pending task scheduling".into();
        t.status.err = err.to_string();
        t.status.timestamp = at.now;
        t.version.index = at.index;
        t.updated_at = at.now;
    }
    Ok(())
}

/// Orchestrator: raises the desired state, never lowers it.
pub(super) fn set_desired(
    state: &mut State,
    at: At,
    id: &str,
    desired: TaskState,
) -> Result<(), StoreError> {
    let t = get(state, id)?;
    if desired <= t.desired_state {
        return Err(StoreError::Invalid(format!(
            "task {id}: desired state may only move forward"
        )));
    }
    t.desired_state = desired;
    t.version.index = at.index;
    t.updated_at = at.now;
    Ok(())
}

/// Agent: the observed state, never moving backwards; the first running one sets the start.
pub(super) fn set_status(
    state: &mut State,
    at: At,
    id: &str,
    status: &TaskStatus,
) -> Result<(), StoreError> {
    let t = get(state, id)?;
    if status.state < t.status.state {
        return Err(StoreError::Invalid(format!(
            "task {id}: state may only move forward"
        )));
    }
    if status.state >= TaskState::Running && t.started_at.is_zero() {
        t.started_at = status.timestamp;
    }
    t.status = status.clone();
    t.version.index = at.index;
    t.updated_at = at.now;
    Ok(())
}

pub(super) fn set_spec_version(
    state: &mut State,
    at: At,
    id: &str,
    spec_version: u64,
) -> Result<(), StoreError> {
    let t = get(state, id)?;
    t.spec_version = spec_version;
    t.version.index = at.index;
    t.updated_at = at.now;
    Ok(())
}

pub(super) fn delete(state: &mut State, id: &str) -> Result<(), StoreError> {
    state
        .tasks
        .remove(id)
        .ok_or_else(|| not_found("task", id))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::apply_one as one;
    use crate::op::Op;
    use crate::state::State;
    use shoal_api::{Task, TaskState, TaskStatus, Timestamp};

    #[test]
    fn task_state_only_moves_forward() {
        let mut st = State::default();
        let t = Task {
            id: "t".into(),
            ..Default::default()
        };
        one(&mut st, 1, Op::CreateTask(Box::new(t))).unwrap();
        let running = TaskStatus {
            state: TaskState::Running,
            timestamp: Timestamp(5),
            ..Default::default()
        };
        one(
            &mut st,
            2,
            Op::SetTaskStatus {
                id: "t".into(),
                status: running,
            },
        )
        .unwrap();
        assert_eq!(st.tasks["t"].started_at, Timestamp(5));
        let back = TaskStatus {
            state: TaskState::Starting,
            ..Default::default()
        };
        assert!(one(
            &mut st,
            3,
            Op::SetTaskStatus {
                id: "t".into(),
                status: back
            }
        )
        .is_err());
        assert_eq!(st.tasks["t"].status.state, TaskState::Running);
    }
}
