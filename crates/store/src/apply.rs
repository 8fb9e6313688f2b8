//! Applying a committed batch to the state: the only place the state changes.
//!
//! Each op is checked and applied on its own; a refused op changes nothing and reports why,
//! the others still apply (internal writers recompute from the new state anyway, and API
//! writes are single-op batches whose result is the op's result).

use crate::error::StoreError;
use crate::op::{Batch, Op};
use crate::state::State;
use shoal_api::{TaskState, Timestamp};

fn not_found(kind: &str, id: &str) -> StoreError {
    StoreError::NotFound {
        kind: kind.into(),
        id: id.into(),
    }
}

/// Applies `batch` committed at raft `index`; one result per op (the written version).
pub fn apply_batch(state: &mut State, index: u64, batch: &Batch) -> Vec<Result<u64, StoreError>> {
    state.index = index;
    batch
        .ops
        .iter()
        .map(|op| apply_op(state, index, batch.now, op).map(|_| index))
        .collect()
}

fn apply_op(state: &mut State, index: u64, now: Timestamp, op: &Op) -> Result<(), StoreError> {
    match op {
        Op::Restore(restored) => {
            *state = (**restored).clone();
            state.index = index;
            if let Some(c) = state.cluster.as_mut() {
                c.version.index = index;
            }
            for n in state.nodes.values_mut() {
                n.version.index = index;
            }
            for s in state.services.values_mut() {
                s.version.index = index;
            }
            for t in state.tasks.values_mut() {
                t.version.index = index;
            }
            for s in state.secrets.values_mut() {
                s.version.index = index;
            }
        }
        Op::SetUnlockKey(key) => {
            let written_now = state.cluster.as_ref().map(|c| c.version.index) == Some(index);
            if !written_now {
                return Err(StoreError::OutOfSequence);
            }
            state.unlock_key = key.clone();
        }
        Op::StartCaRotation(next) => {
            let c = state.cluster.as_mut().ok_or(StoreError::NoCluster)?;
            if c.version.index != index {
                return Err(StoreError::OutOfSequence);
            }
            c.root_rotation_in_progress = true;
            state.ca_rotation = Some(crate::state::CaRotation {
                next: (**next).clone(),
                issuing: false,
            });
        }
        Op::CaRotationIssue => {
            let r = state
                .ca_rotation
                .as_mut()
                .ok_or_else(|| StoreError::Invalid("no CA rotation in progress".into()))?;
            r.issuing = true;
        }
        Op::FinishCaRotation { tokens, tls_info } => {
            let r = state
                .ca_rotation
                .take()
                .ok_or_else(|| StoreError::Invalid("no CA rotation in progress".into()))?;
            state.ca = Some(r.next);
            let c = state.cluster.as_mut().ok_or(StoreError::NoCluster)?;
            c.root_rotation_in_progress = false;
            c.join_tokens = tokens.clone();
            c.tls_info = tls_info.clone();
            c.version.index = index;
            c.updated_at = now;
        }
        Op::PutRootCa(ca) => {
            state.ca = Some((**ca).clone());
        }
        Op::PutCluster(c) => {
            let mut c = (**c).clone();
            c.version.index = index;
            if let Some(old) = &state.cluster {
                c.created_at = old.created_at;
            } else {
                c.created_at = now;
            }
            c.updated_at = now;
            state.cluster = Some(c);
        }
        Op::UpdateCluster {
            cluster,
            expected_version,
        } => {
            let old = state.cluster.as_mut().ok_or(StoreError::NoCluster)?;
            if old.version.index != *expected_version {
                return Err(StoreError::OutOfSequence);
            }
            old.spec = cluster.spec.clone();
            old.join_tokens = cluster.join_tokens.clone();
            old.version.index = index;
            old.updated_at = now;
        }
        Op::PutNode(n) => {
            let mut n = (**n).clone();
            if let Some(old) = state.nodes.get(&n.id) {
                n.created_at = old.created_at;
                n.spec = old.spec.clone();
                // Owned by other writers (the raft join), which may race a registration.
                n.manager_status = old.manager_status.clone();
            } else {
                n.created_at = now;
            }
            n.version.index = index;
            n.updated_at = now;
            state.nodes.insert(n.id.clone(), n);
        }
        Op::UpdateNodeSpec {
            id,
            spec,
            expected_version,
        } => {
            let n = state
                .nodes
                .get_mut(id)
                .ok_or_else(|| not_found("node", id))?;
            if n.version.index != *expected_version {
                return Err(StoreError::OutOfSequence);
            }
            n.spec = spec.clone();
            n.version.index = index;
            n.updated_at = now;
        }
        Op::SetManagerStatus { id, status } => {
            let n = state
                .nodes
                .get_mut(id)
                .ok_or_else(|| not_found("node", id))?;
            n.manager_status = Some(status.clone());
            n.version.index = index;
            n.updated_at = now;
        }
        Op::SetNodeTlsInfo { id, tls_info } => {
            let n = state
                .nodes
                .get_mut(id)
                .ok_or_else(|| not_found("node", id))?;
            n.description.tls_info = tls_info.clone();
            n.version.index = index;
            n.updated_at = now;
        }
        Op::SetNodeStatus { id, status } => {
            let n = state
                .nodes
                .get_mut(id)
                .ok_or_else(|| not_found("node", id))?;
            n.status = status.clone();
            n.version.index = index;
            n.updated_at = now;
        }
        Op::DeleteNode { id } => {
            state
                .nodes
                .remove(id)
                .ok_or_else(|| not_found("node", id))?;
        }
        Op::CreateService(s) => {
            if state.services.contains_key(&s.id) {
                return Err(StoreError::IdConflict {
                    kind: "service".into(),
                    id: s.id.clone(),
                });
            }
            if state.service_by_name(&s.spec.name).is_some() {
                return Err(StoreError::NameConflict {
                    kind: "service".into(),
                    name: s.spec.name.clone(),
                });
            }
            let mut s = (**s).clone();
            s.version.index = index;
            s.created_at = now;
            s.updated_at = now;
            s.spec_version = index;
            state.services.insert(s.id.clone(), s);
        }
        Op::UpdateService {
            service,
            expected_version,
        } => {
            let clash = state
                .services
                .values()
                .any(|o| o.spec.name == service.spec.name && o.id != service.id);
            let old = state
                .services
                .get_mut(&service.id)
                .ok_or_else(|| not_found("service", &service.id))?;
            if old.version.index != *expected_version {
                return Err(StoreError::OutOfSequence);
            }
            if clash {
                return Err(StoreError::NameConflict {
                    kind: "service".into(),
                    name: service.spec.name.clone(),
                });
            }
            if old.spec != service.spec {
                old.spec_version = index;
            }
            old.spec = service.spec.clone();
            old.previous_spec = service.previous_spec.clone();
            old.endpoint = service.endpoint.clone();
            old.update_status = service.update_status.clone();
            old.job_status = service.job_status.clone();
            old.version.index = index;
            old.updated_at = now;
        }
        Op::SetServiceUpdateStatus { id, status } => {
            let svc = state
                .services
                .get_mut(id)
                .ok_or_else(|| not_found("service", id))?;
            svc.update_status = Some(status.clone());
            // The version guards the spec: a client that read the service just before its
            // update completed may still update it (Swarm refuses that as out of sequence).
            svc.updated_at = now;
        }
        Op::DeleteService { id } => {
            state
                .services
                .remove(id)
                .ok_or_else(|| not_found("service", id))?;
        }
        Op::CreateSecret(s) => {
            if state.secrets.contains_key(&s.id) {
                return Err(StoreError::IdConflict {
                    kind: "secret".into(),
                    id: s.id.clone(),
                });
            }
            if state.secret_by_name(&s.spec.name).is_some() {
                return Err(StoreError::AlreadyExists(format!(
                    "secret {} already exists",
                    s.spec.name
                )));
            }
            let mut s = (**s).clone();
            s.version.index = index;
            s.created_at = now;
            s.updated_at = now;
            state.secrets.insert(s.id.clone(), s);
        }
        Op::UpdateSecret {
            id,
            labels,
            expected_version,
        } => {
            let s = state
                .secrets
                .get_mut(id)
                .ok_or_else(|| not_found("secret", id))?;
            if s.version.index != *expected_version {
                return Err(StoreError::OutOfSequence);
            }
            s.spec.labels = labels.clone();
            s.version.index = index;
            s.updated_at = now;
        }
        Op::DeleteSecret { id } => {
            state
                .secrets
                .remove(id)
                .ok_or_else(|| not_found("secret", id))?;
        }
        Op::CreateConfig(c) => {
            if state.configs.contains_key(&c.id) {
                return Err(StoreError::IdConflict {
                    kind: "config".into(),
                    id: c.id.clone(),
                });
            }
            if state.configs.values().any(|o| o.spec.name == c.spec.name) {
                return Err(StoreError::AlreadyExists(format!(
                    "config {} already exists",
                    c.spec.name
                )));
            }
            let mut c = (**c).clone();
            c.version.index = index;
            c.created_at = now;
            c.updated_at = now;
            state.configs.insert(c.id.clone(), c);
        }
        Op::UpdateConfig {
            id,
            labels,
            expected_version,
        } => {
            let c = state
                .configs
                .get_mut(id)
                .ok_or_else(|| not_found("config", id))?;
            if c.version.index != *expected_version {
                return Err(StoreError::OutOfSequence);
            }
            c.spec.labels = labels.clone();
            c.version.index = index;
            c.updated_at = now;
        }
        Op::DeleteConfig { id } => {
            state
                .configs
                .remove(id)
                .ok_or_else(|| not_found("config", id))?;
        }
        Op::CreateNetwork(n) => {
            if state.networks.contains_key(&n.id) {
                return Err(StoreError::IdConflict {
                    kind: "network".into(),
                    id: n.id.clone(),
                });
            }
            if state.networks.values().any(|o| o.name == n.name) {
                return Err(StoreError::AlreadyExists(format!(
                    "network with name {} already exists",
                    n.name
                )));
            }
            let mut n = (**n).clone();
            n.created = now;
            state.networks.insert(n.id.clone(), n);
        }
        Op::DeleteNetwork { id } => {
            state
                .networks
                .remove(id)
                .ok_or_else(|| not_found("network", id))?;
        }
        Op::CreateTask(t) => {
            if state.tasks.contains_key(&t.id) {
                return Err(StoreError::IdConflict {
                    kind: "task".into(),
                    id: t.id.clone(),
                });
            }
            let mut t = (**t).clone();
            t.version.index = index;
            t.created_at = now;
            t.updated_at = now;
            if t.status.timestamp.is_zero() {
                t.status.timestamp = now;
            }
            state.tasks.insert(t.id.clone(), t);
        }
        Op::AssignTask { id, node_id } => {
            let t = state
                .tasks
                .get_mut(id)
                .ok_or_else(|| not_found("task", id))?;
            if t.status.state >= TaskState::Assigned {
                return Err(StoreError::Invalid(format!(
                    "task {id} is already assigned"
                )));
            }
            t.node_id = node_id.clone();
            t.status.state = TaskState::Assigned;
            t.status.message = "scheduler assigned task to node".into();
            t.status.err.clear();
            t.status.timestamp = now;
            t.version.index = index;
            t.updated_at = now;
        }
        Op::SetTaskPending { id, err } => {
            let t = state
                .tasks
                .get_mut(id)
                .ok_or_else(|| not_found("task", id))?;
            if t.status.state > TaskState::Pending {
                return Err(StoreError::Invalid(format!("task {id} is past pending")));
            }
            if t.status.state != TaskState::Pending || t.status.err != *err {
                t.status.state = TaskState::Pending;
                t.status.message = "pending task scheduling".into();
                t.status.err = err.clone();
                t.status.timestamp = now;
                t.version.index = index;
                t.updated_at = now;
            }
        }
        Op::SetTaskDesired { id, desired } => {
            let t = state
                .tasks
                .get_mut(id)
                .ok_or_else(|| not_found("task", id))?;
            if *desired <= t.desired_state {
                return Err(StoreError::Invalid(format!(
                    "task {id}: desired state may only move forward"
                )));
            }
            t.desired_state = *desired;
            t.version.index = index;
            t.updated_at = now;
        }
        Op::SetTaskStatus { id, status } => {
            let t = state
                .tasks
                .get_mut(id)
                .ok_or_else(|| not_found("task", id))?;
            if status.state < t.status.state {
                return Err(StoreError::Invalid(format!(
                    "task {id}: state may only move forward"
                )));
            }
            if status.state >= TaskState::Running && t.started_at.is_zero() {
                t.started_at = status.timestamp;
            }
            t.status = status.clone();
            t.version.index = index;
            t.updated_at = now;
        }
        Op::SetTaskSpecVersion { id, spec_version } => {
            let t = state
                .tasks
                .get_mut(id)
                .ok_or_else(|| not_found("task", id))?;
            t.spec_version = *spec_version;
            t.version.index = index;
            t.updated_at = now;
        }
        Op::DeleteTask { id } => {
            state
                .tasks
                .remove(id)
                .ok_or_else(|| not_found("task", id))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use shoal_api::{Service, Task, TaskStatus};

    fn svc(id: &str, name: &str) -> Service {
        let mut s = Service {
            id: id.into(),
            ..Default::default()
        };
        s.spec.name = name.into();
        s
    }

    fn one(state: &mut State, index: u64, op: Op) -> Result<u64, StoreError> {
        apply_batch(state, index, &Batch::new(Timestamp(index as i64), vec![op])).remove(0)
    }

    #[test]
    fn versions_follow_the_raft_index() {
        let mut st = State::default();
        assert_eq!(
            one(&mut st, 3, Op::CreateService(Box::new(svc("a", "web")))),
            Ok(3)
        );
        assert_eq!(st.services["a"].version.index, 3);
        let mut upd = st.services["a"].clone();
        upd.spec.labels.insert("k".into(), "v".into());
        let r = one(
            &mut st,
            4,
            Op::UpdateService {
                service: Box::new(upd),
                expected_version: 3,
            },
        );
        assert_eq!(r, Ok(4));
        assert_eq!(st.services["a"].version.index, 4);
        assert_eq!(st.services["a"].spec_version, 4);
    }

    #[test]
    fn stale_version_is_out_of_sequence_and_changes_nothing() {
        let mut st = State::default();
        one(&mut st, 1, Op::CreateService(Box::new(svc("a", "web")))).unwrap();
        let before = st.services["a"].clone();
        let mut upd = before.clone();
        upd.spec.labels.insert("k".into(), "v".into());
        let r = one(
            &mut st,
            2,
            Op::UpdateService {
                service: Box::new(upd),
                expected_version: 0,
            },
        );
        assert_eq!(r, Err(StoreError::OutOfSequence));
        assert_eq!(st.services["a"], before);
    }

    #[test]
    fn duplicate_names_conflict() {
        let mut st = State::default();
        one(&mut st, 1, Op::CreateService(Box::new(svc("a", "web")))).unwrap();
        let e = one(&mut st, 2, Op::CreateService(Box::new(svc("b", "web")))).unwrap_err();
        assert_eq!(
            e.to_string(),
            "name conflicts with an existing object: service web already exists"
        );
        assert_eq!(st.services.len(), 1);
    }

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
