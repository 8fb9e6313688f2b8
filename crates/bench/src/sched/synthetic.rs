//! A synthetic cluster for the scheduler core, built through the store's own operations
//! (`apply_batch`), as the manager's state machine would build it: `nodes` ready and active
//! nodes, each labelled `zone=z<i mod 5>`, and `services` replicated services of `replicas`
//! tasks each. Every other service (the odd ones) carries the constraint
//! `node.labels.zone!=z3` and a spread preference over `node.labels.zone`; the even ones
//! have no placement rules. No task exists yet: the first reconcile pass creates and places
//! them all.

use shoal_api::{
    Cluster, Node, NodeDescription, NodeSpec, NodeState, NodeStatus, Placement, Service,
    ServiceMode, ServiceSpec, Timestamp,
};
use shoal_store::{apply_batch, Batch, Op, State};

/// Zones the nodes are spread over (label `zone`, values `z0`..).
pub const ZONES: usize = 5;
/// The zone the constrained services must avoid.
pub const AVOIDED_ZONE: &str = "z3";
pub const CONSTRAINT: &str = "node.labels.zone!=z3";
pub const SPREAD: &str = "node.labels.zone";

/// The clock of the synthetic cluster (1000 s after the epoch, as the test harness uses).
pub const NOW: Timestamp = Timestamp(1_000_000_000_000);

/// The shape of one scheduling problem.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub nodes: usize,
    pub services: usize,
    pub replicas: u64,
}

impl Shape {
    pub fn tasks(&self) -> u64 {
        self.services as u64 * self.replicas
    }

    pub fn label(&self) -> String {
        format!(
            "{} tasks on {} nodes ({} services × {})",
            thousands(self.tasks()),
            thousands(self.nodes as u64),
            thousands(self.services as u64),
            thousands(self.replicas)
        )
    }
}

/// 1234567 → "1,234,567".
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn node_id(i: usize) -> String {
    format!("node{i:06}")
}

pub fn service_id(i: usize) -> String {
    format!("svc{i:05}")
}

/// Whether service `i` has the constraint and the spread preference.
pub fn is_constrained(i: usize) -> bool {
    i % 2 == 1
}

fn node(i: usize) -> Node {
    let mut spec = NodeSpec::default();
    spec.labels.insert("zone".into(), format!("z{}", i % ZONES));
    Node {
        id: node_id(i),
        spec,
        description: NodeDescription {
            hostname: format!("host{i:06}"),
            ..Default::default()
        },
        status: NodeStatus {
            state: NodeState::Ready,
            ..Default::default()
        },
        ..Default::default()
    }
}

fn service(i: usize, replicas: u64) -> Service {
    let mut spec = ServiceSpec {
        name: format!("s{i:05}"),
        mode: ServiceMode::replicated(replicas),
        ..Default::default()
    };
    spec.task_template.container_spec.image = "busybox".into();
    spec.task_template.container_spec.command = vec!["sleep".into(), "100000".into()];
    if is_constrained(i) {
        spec.task_template.placement = Some(Placement {
            constraints: vec![CONSTRAINT.into()],
            preferences: vec![shoal_api::PlacementPreference::spread(SPREAD)],
            ..Default::default()
        });
    }
    Service {
        id: service_id(i),
        spec,
        ..Default::default()
    }
}

/// The state of a cluster of this shape with no tasks yet.
pub fn build(shape: Shape) -> anyhow::Result<State> {
    let mut state = State::default();
    let cluster = Cluster {
        id: "cluster".into(),
        ..Default::default()
    };
    let mut ops = vec![Op::PutCluster(Box::new(cluster))];
    ops.extend((0..shape.nodes).map(|i| Op::PutNode(Box::new(node(i)))));
    ops.extend(
        (0..shape.services).map(|i| Op::CreateService(Box::new(service(i, shape.replicas)))),
    );
    let results = apply_batch(&mut state, 1, &Batch::new(NOW, ops));
    if let Some(e) = results.into_iter().find_map(Result::err) {
        anyhow::bail!("building the synthetic state: {e}");
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_shape() {
        let s = build(Shape {
            nodes: 10,
            services: 4,
            replicas: 3,
        })
        .unwrap();
        assert_eq!((s.nodes.len(), s.services.len(), s.tasks.len()), (10, 4, 0));
        assert_eq!(s.nodes[&node_id(3)].spec.labels["zone"], "z3");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(999), "999");
    }
}
