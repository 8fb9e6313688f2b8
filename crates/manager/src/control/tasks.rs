//! Task queries: list with filters, inspect.

use super::filters::Filters;
use super::{resolve_id, ControlError};
use crate::manager::Manager;
use shoal_api::{Task, TaskState};
use shoal_store::{resolve, Kind, Resolved, State};

pub const FILTERS: &[&str] = &[
    "name",
    "id",
    "label",
    "service",
    "node",
    "desired-state",
    "_up-to-date",
    "runtime",
];

/// The IDs a service or node filter value names (ID, name or prefix).
fn ids_for(st: &State, kind: Kind, values: &[String]) -> Vec<String> {
    values
        .iter()
        .filter_map(|v| match resolve(st, kind, v) {
            Resolved::Found(id) => Some(id),
            _ => None,
        })
        .collect()
}

pub fn list(m: &Manager, f: &Filters) -> Result<Vec<Task>, ControlError> {
    let st = m.read();
    let services = f.get("service").map(|v| ids_for(&st, Kind::Service, v));
    let nodes = f.get("node").map(|v| ids_for(&st, Kind::Node, v));
    if let Some(states) = f.get("desired-state") {
        for s in states {
            if !matches!(s.as_str(), "running" | "shutdown" | "accepted") {
                return Err(ControlError::InvalidArgument(format!(
                    "Invalid desired-state filter: '{s}'"
                )));
            }
        }
    }
    let tasks = st
        .tasks
        .values()
        .filter(|t| {
            let svc = st.services.get(&t.service_id);
            let labels = svc.map(|s| s.spec.labels.clone()).unwrap_or_default();
            f.any("name", |v| t.name.starts_with(v))
                && f.any("id", |v| t.id.starts_with(v))
                && f.labels("label", &labels)
                && services
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&t.service_id))
                && nodes.as_ref().is_none_or(|ids| ids.contains(&t.node_id))
                && f.any("desired-state", |v| match v {
                    "running" => t.desired_state <= TaskState::Running,
                    "shutdown" => !t.desired_state.is_runnable(),
                    _ => t.desired_state == TaskState::Accepted,
                })
                && f.any("_up-to-date", |_| {
                    svc.is_some_and(|s| s.spec_version == t.spec_version)
                })
        })
        .cloned()
        .collect();
    Ok(tasks)
}

pub fn inspect(m: &Manager, reference: &str) -> Result<Task, ControlError> {
    let st = m.read();
    let id = resolve_id(&st, Kind::Task, reference)?;
    Ok(st.tasks[&id].clone())
}
