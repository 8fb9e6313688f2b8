//! Test harness for the pure core: an in-memory state, a manual clock, sequential ids and a
//! fake agent that moves tasks through their states, so orchestration is tested without a
//! running manager, real time or an executor.

use shoal_api::ids::SequentialIds;
use shoal_api::{
    Cluster, Node, NodeDescription, NodeSpec, NodeState, NodeStatus, Service, ServiceMode,
    ServiceSpec, Task, TaskState, TaskStatus, Timestamp,
};
use shoal_core::{reconcile, Plan};
use shoal_store::{apply_batch, Batch, Op, State, StoreError};
use std::time::Duration;

pub struct Harness {
    pub state: State,
    pub now: Timestamp,
    ids: SequentialIds,
    index: u64,
}

impl Default for Harness {
    fn default() -> Self {
        Harness::new()
    }
}

impl Harness {
    /// A cluster with no nodes, at time 1000 s.
    pub fn new() -> Harness {
        let mut h = Harness {
            state: State::default(),
            now: Timestamp(1_000_000_000_000),
            ids: SequentialIds::default(),
            index: 0,
        };
        let cluster = Cluster {
            id: "cluster".into(),
            ..Default::default()
        };
        h.apply(vec![Op::PutCluster(Box::new(cluster))]);
        h
    }

    pub fn apply(&mut self, ops: Vec<Op>) -> Vec<Result<u64, StoreError>> {
        self.index += 1;
        apply_batch(&mut self.state, self.index, &Batch::new(self.now, ops))
    }

    pub fn advance(&mut self, d: Duration) {
        self.now = self.now.plus(d);
    }

    pub fn add_node(&mut self, hostname: &str) -> String {
        self.add_node_with(hostname, |_| {})
    }

    /// Adds a ready node `node-<hostname>` after `f` has adjusted it (labels, address...).
    pub fn add_node_with(&mut self, hostname: &str, f: impl FnOnce(&mut Node)) -> String {
        let id = format!("node-{hostname}");
        let mut node = Node {
            id: id.clone(),
            spec: NodeSpec::default(),
            description: NodeDescription {
                hostname: hostname.into(),
                ..Default::default()
            },
            status: NodeStatus {
                state: NodeState::Ready,
                ..Default::default()
            },
            ..Default::default()
        };
        f(&mut node);
        self.apply(vec![Op::PutNode(Box::new(node))]);
        id
    }

    /// `node update --label-add k=v` (or `--label-rm k` when `value` is None).
    pub fn set_node_label(&mut self, id: &str, key: &str, value: Option<&str>) {
        let n = self.state.nodes[id].clone();
        let mut spec = n.spec.clone();
        match value {
            Some(v) => spec.labels.insert(key.into(), v.into()),
            None => spec.labels.remove(key),
        };
        let r = self.apply(vec![Op::UpdateNodeSpec {
            id: id.into(),
            spec,
            expected_version: n.version.index,
        }]);
        r[0].as_ref().expect("node update");
    }

    pub fn set_node_state(&mut self, id: &str, state: NodeState) {
        let status = NodeStatus {
            state,
            ..Default::default()
        };
        self.apply(vec![Op::SetNodeStatus {
            id: id.into(),
            status,
        }]);
    }

    pub fn set_availability(&mut self, id: &str, a: shoal_api::Availability) {
        let n = self.state.nodes[id].clone();
        let mut spec = n.spec.clone();
        spec.availability = a;
        let r = self.apply(vec![Op::UpdateNodeSpec {
            id: id.into(),
            spec,
            expected_version: n.version.index,
        }]);
        r[0].as_ref().expect("node update");
    }

    pub fn spec(name: &str, mode: ServiceMode) -> ServiceSpec {
        let mut s = ServiceSpec {
            name: name.into(),
            mode,
            ..Default::default()
        };
        s.task_template.container_spec.image = "busybox".into();
        s
    }

    pub fn create_service(&mut self, spec: ServiceSpec) -> String {
        let id = format!("svc-{}", spec.name);
        let mut svc = Service {
            id: id.clone(),
            endpoint: shoal_api::Endpoint::of(&spec),
            spec,
            ..Default::default()
        };
        svc.start_job(self.now);
        let r = self.apply(vec![Op::CreateService(Box::new(svc))]);
        r[0].as_ref().expect("create service");
        id
    }

    pub fn update_service(&mut self, id: &str, f: impl FnOnce(&mut ServiceSpec)) {
        let mut s = self.state.services[id].clone();
        s.previous_spec = Some(s.spec.clone());
        f(&mut s.spec);
        let old = &self.state.services[id].spec;
        s.start_update(old, false, self.now);
        let v = s.version.index;
        let r = self.apply(vec![Op::UpdateService {
            service: Box::new(s),
            expected_version: v,
        }]);
        r[0].as_ref().expect("update service");
    }

    /// `service rollback`: back to the previous spec.
    pub fn rollback_service(&mut self, id: &str) {
        let mut s = self.state.services[id].clone();
        let prev = s.previous_spec.clone().expect("a previous spec");
        s.previous_spec = Some(std::mem::replace(&mut s.spec, prev));
        let old = &self.state.services[id].spec;
        s.start_update(old, true, self.now);
        let v = s.version.index;
        let r = self.apply(vec![Op::UpdateService {
            service: Box::new(s),
            expected_version: v,
        }]);
        r[0].as_ref().expect("rollback service");
    }

    pub fn delete_service(&mut self, id: &str) {
        self.apply(vec![Op::DeleteService { id: id.into() }]);
    }

    /// One reconcile pass, applied; returns the plan.
    pub fn reconcile(&mut self) -> Plan {
        let plan = reconcile(&self.state, self.now, &mut self.ids);
        if !plan.is_empty() {
            self.apply(plan.clone().into_ops());
        }
        plan
    }

    /// The fake agent: every task on a ready node moves to where its desired state says.
    pub fn agent_step(&mut self) -> usize {
        let mut ops = Vec::new();
        for t in self.state.tasks.values() {
            let alive = self
                .state
                .nodes
                .get(&t.node_id)
                .is_some_and(|n| n.status.state == NodeState::Ready);
            if !alive || t.status.state < TaskState::Assigned || t.status.state.is_terminal() {
                continue;
            }
            let target = if !t.desired_state.is_runnable() {
                TaskState::Shutdown
            } else if t.desired_state == TaskState::Ready {
                TaskState::Ready
            } else {
                TaskState::Running
            };
            if target != t.status.state && target > t.status.state {
                ops.push(self.status_op(t, target, ""));
            }
        }
        let n = ops.len();
        if n > 0 {
            self.apply(ops);
        }
        n
    }

    fn status_op(&self, t: &Task, state: TaskState, err: &str) -> Op {
        Op::SetTaskStatus {
            id: t.id.clone(),
            status: TaskStatus {
                timestamp: self.now,
                state,
                message: state.as_str().into(),
                err: err.into(),
                ..Default::default()
            },
        }
    }

    /// The task's process ends with `state` (Failed or Complete).
    pub fn end_task(&mut self, id: &str, state: TaskState) {
        let t = self.state.tasks[id].clone();
        let op = self.status_op(&t, state, "task: non-zero exit (1)");
        self.apply(vec![op]);
    }

    /// Reports `state` for a task, as its agent would (e.g. STARTING while a health check
    /// has not passed yet).
    pub fn set_task_state(&mut self, id: &str, state: TaskState) {
        let t = self.state.tasks[id].clone();
        let op = self.status_op(&t, state, "");
        self.apply(vec![op]);
    }

    /// Reconcile and run the fake agent until nothing changes; panics if it never settles.
    pub fn converge(&mut self) {
        for _ in 0..100 {
            let plan = self.reconcile();
            let moved = self.agent_step();
            if plan.is_empty() && moved == 0 {
                return;
            }
        }
        panic!("did not converge: {:#?}", self.state.tasks);
    }

    pub fn tasks_of(&self, service_id: &str) -> Vec<&Task> {
        self.state
            .tasks
            .values()
            .filter(|t| t.service_id == service_id)
            .collect()
    }

    /// Tasks of the service that are running and meant to be.
    pub fn running(&self, service_id: &str) -> Vec<&Task> {
        self.tasks_of(service_id)
            .into_iter()
            .filter(|t| {
                t.status.state == TaskState::Running && t.desired_state == TaskState::Running
            })
            .collect()
    }
}
