//! The tasks of each service, gathered once per pass: every orchestrator, the reaper and
//! the update monitor look at one service's tasks at a time, and scanning all tasks for
//! each service would make a pass cost services x tasks.

use shoal_api::Task;
use shoal_store::State;
use std::collections::HashMap;

pub struct TasksByService<'a> {
    map: HashMap<&'a str, Vec<&'a Task>>,
}

impl<'a> TasksByService<'a> {
    pub fn new(state: &'a State) -> TasksByService<'a> {
        let mut map: HashMap<&str, Vec<&Task>> = HashMap::with_capacity(state.services.len());
        for t in state.tasks.values() {
            map.entry(t.service_id.as_str()).or_default().push(t);
        }
        TasksByService { map }
    }

    /// The service's tasks, in task id order (as `State::tasks_of_service` gives them).
    pub fn of(&self, service_id: &str) -> impl Iterator<Item = &'a Task> + '_ {
        self.map.get(service_id).into_iter().flatten().copied()
    }
}
