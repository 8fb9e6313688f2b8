//! Placing a run of one service's new tasks together, with the same result as placing them
//! one by one but without scanning every node for every task.
//!
//! Within the run only the chosen nodes change, so each spread group keeps its candidate
//! nodes in a min-heap by rank; a task takes the top of the group with the fewest tasks of
//! the service (ties: the better top node), which is what the one-by-one path chooses. A
//! node that stops fitting (resources, host ports, per-node limit) only ever gets fuller
//! within the run, so it leaves the heap for good. Services spreading over several levels
//! go one by one.

use super::Scheduler;
use shoal_api::Task;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A node's rank (failing recently, tasks of the service, tasks in all, index) and index.
type Key = Reverse<(bool, u64, u64, usize)>;

impl Scheduler<'_> {
    /// Places `count` new tasks of `task`'s service that have no node yet.
    pub(super) fn place_run(&mut self, task: &Task, count: usize) -> Vec<Result<String, String>> {
        self.ensure_fit(task);
        if self.fits[&task.service_id].groups.len() > 1 {
            return (0..count).map(|_| self.place(task)).collect();
        }
        let service = task.service_id.as_str();
        let mut heaps: Vec<BinaryHeap<Key>> = Vec::new();
        let mut group_tasks: Vec<u64> = Vec::new();
        {
            let fit = &self.fits[service];
            for (p, &i) in fit.eligible.iter().enumerate() {
                let g = fit.groups.first().map_or(0, |g| g[p] as usize);
                if heaps.len() <= g {
                    heaps.resize_with(g + 1, BinaryHeap::new);
                    group_tasks.resize(g + 1, 0);
                }
                group_tasks[g] += self.per(service, i);
                if self.refuses(service, i).is_none() {
                    heaps[g].push(self.key(service, i));
                }
            }
        }
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            // The group with the fewest tasks of the service, then the better top node.
            let best = heaps
                .iter()
                .enumerate()
                .filter_map(|(g, h)| h.peek().map(|Reverse(k)| ((group_tasks[g], *k), g)))
                .min_by(|a, b| a.0.cmp(&b.0))
                .map(|(_, g)| g);
            let Some(g) = best else {
                // Nothing fits any more: the one-by-one path explains why.
                out.push(self.place(task));
                continue;
            };
            let Some(Reverse((_, _, _, i))) = heaps[g].pop() else {
                continue;
            };
            // Disjoint fields: no copy of the ask per placement.
            self.load.add(service, i, &self.fits[service].ask);
            group_tasks[g] += 1;
            if self.refuses(service, i).is_none() {
                heaps[g].push(self.key(service, i));
            }
            out.push(Ok(self.nodes[i].id.clone()));
        }
        out
    }

    fn per(&self, service: &str, i: usize) -> u64 {
        self.load.per_service.get(service).map_or(0, |c| c[i])
    }

    fn key(&self, service: &str, i: usize) -> Key {
        let failing = self
            .load
            .failing
            .get(service)
            .is_some_and(|f| f.contains(&i));
        Reverse((failing, self.per(service, i), self.load.total[i], i))
    }

    /// Whether node `i` cannot take one more task of the service now.
    fn refuses(&self, service: &str, i: usize) -> Option<crate::placement::explain::Filter> {
        let fit = &self.fits[service];
        let max = fit.rules.max_replicas;
        self.load.refuses(i, &fit.ask).or_else(|| {
            (max != 0 && self.per(service, i) >= max)
                .then_some(crate::placement::explain::Filter::MaxReplicas)
        })
    }
}
