//! Why a task fits nowhere, in swarmkit's words: each node is charged to the first filter
//! of the pipeline it fails (ready, constraints, resources, host ports, max replicas), and
//! the filters are listed
//! from most to fewest failures: `no suitable node (scheduling constraints not satisfied
//! on 3 nodes; 1 node not available for new tasks)`.

/// A filter of the scheduling pipeline, in pipeline order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Filter {
    Ready,
    Constraints,
    Resources,
    HostPorts,
    MaxReplicas,
}

impl Filter {
    fn explain(self, nodes: usize) -> String {
        let s = if nodes == 1 { "" } else { "s" };
        match self {
            Filter::Ready => format!("{nodes} node{s} not available for new tasks"),
            Filter::Constraints => {
                format!("scheduling constraints not satisfied on {nodes} node{s}")
            }
            Filter::Resources => format!("insufficient resources on {nodes} node{s}"),
            Filter::HostPorts => format!("host-mode port already in use on {nodes} node{s}"),
            Filter::MaxReplicas => "max replicas per node limit exceed".into(),
        }
    }
}

/// Failure counts per filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Failures {
    counts: [usize; 5],
}

impl Failures {
    pub fn add(&mut self, f: Filter) {
        self.counts[f as usize] += 1;
    }

    /// `no suitable node (...)`, or just `no suitable node` when no node was ruled out.
    pub fn message(&self) -> String {
        let mut filters = [
            Filter::Ready,
            Filter::Constraints,
            Filter::Resources,
            Filter::HostPorts,
            Filter::MaxReplicas,
        ];
        filters.sort_by_key(|f| std::cmp::Reverse(self.counts[*f as usize]));
        let parts: Vec<String> = filters
            .iter()
            .filter(|f| self.counts[**f as usize] > 0)
            .map(|f| f.explain(self.counts[*f as usize]))
            .collect();
        if parts.is_empty() {
            "no suitable node".into()
        } else {
            format!("no suitable node ({})", parts.join("; "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_failures_first() {
        let mut f = Failures::default();
        assert_eq!(f.message(), "no suitable node");
        f.add(Filter::Ready);
        assert_eq!(
            f.message(),
            "no suitable node (1 node not available for new tasks)"
        );
        for _ in 0..3 {
            f.add(Filter::Constraints);
        }
        f.add(Filter::MaxReplicas);
        assert_eq!(
            f.message(),
            "no suitable node (scheduling constraints not satisfied on 3 nodes; \
             1 node not available for new tasks; max replicas per node limit exceed)"
        );
    }

    #[test]
    fn resources_and_ports() {
        let mut f = Failures::default();
        for _ in 0..3 {
            f.add(Filter::Constraints);
        }
        f.add(Filter::Resources);
        f.add(Filter::HostPorts);
        f.add(Filter::HostPorts);
        assert_eq!(
            f.message(),
            "no suitable node (scheduling constraints not satisfied on 3 nodes; \
             host-mode port already in use on 2 nodes; insufficient resources on 1 node)"
        );
    }
}
