//! Grouping a service's tasks by slot: the replica number, or the node for global services.

use shoal_api::{Node, Task};
use std::collections::BTreeMap;

/// Where a task sits in its service: `Slot(n)` for replicated, `Node(id)` for global.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SlotKey {
    Slot(u64),
    Node(String),
}

impl SlotKey {
    pub fn of(task: &Task) -> SlotKey {
        if task.slot > 0 {
            SlotKey::Slot(task.slot)
        } else {
            SlotKey::Node(task.node_id.clone())
        }
    }
}

/// The tasks of one service, grouped by slot, each group oldest first.
pub fn group<'a>(tasks: impl Iterator<Item = &'a Task>) -> BTreeMap<SlotKey, Vec<&'a Task>> {
    let mut m: BTreeMap<SlotKey, Vec<&Task>> = BTreeMap::new();
    for t in tasks {
        m.entry(SlotKey::of(t)).or_default().push(t);
    }
    for v in m.values_mut() {
        v.sort_by_key(|t| (t.created_at, t.version.index, t.id.clone()));
    }
    m
}

/// The task's process may still be alive: it was placed on a node that is still there and
/// has not reported an end.
pub fn is_live(task: &Task, nodes: &BTreeMap<String, Node>) -> bool {
    !task.status.state.is_terminal()
        && !task.node_id.is_empty()
        && nodes.get(&task.node_id).is_some_and(|n| n.keeps_tasks())
}
