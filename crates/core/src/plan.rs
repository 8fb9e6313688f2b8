//! The decisions of one reconcile pass.

use shoal_api::{Task, TaskState, Timestamp};
use shoal_store::Op;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Plan {
    /// Desired-state changes to existing tasks.
    pub desired: BTreeMap<String, TaskState>,
    /// Tasks to create (the scheduler may already have placed them).
    pub new_tasks: Vec<Task>,
    /// Other operations (assignments, pending reasons, deletions).
    pub ops: Vec<Op>,
    /// Tasks deleted in this plan.
    pub deleted: BTreeSet<String>,
    /// The earliest time something becomes due (a restart delay ends).
    pub wake_at: Option<Timestamp>,
    /// Services whose update or rollback this plan stops (paused or rolled back): their
    /// orchestrators must not update another slot in the same pass.
    pub halted: BTreeSet<String>,
}

impl Plan {
    pub fn set_desired(&mut self, id: &str, desired: TaskState) {
        let e = self.desired.entry(id.to_string()).or_insert(desired);
        if desired > *e {
            *e = desired;
        }
    }

    /// The desired state a task will have once this plan is applied.
    pub fn desired_of(&self, task: &Task) -> TaskState {
        self.desired
            .get(&task.id)
            .copied()
            .unwrap_or(task.desired_state)
            .max(task.desired_state)
    }

    pub fn wake(&mut self, at: Timestamp) {
        self.wake_at = Some(self.wake_at.map_or(at, |w| w.min(at)));
    }

    pub fn is_empty(&self) -> bool {
        self.desired.is_empty() && self.new_tasks.is_empty() && self.ops.is_empty()
    }

    /// All decisions as store operations, in a safe order.
    pub fn into_ops(self) -> Vec<Op> {
        let mut out =
            Vec::with_capacity(self.desired.len() + self.new_tasks.len() + self.ops.len());
        for (id, desired) in self.desired {
            out.push(Op::SetTaskDesired { id, desired });
        }
        out.extend(
            self.new_tasks
                .into_iter()
                .map(|t| Op::CreateTask(Box::new(t))),
        );
        out.extend(self.ops);
        out
    }
}
