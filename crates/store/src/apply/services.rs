//! Services: creation (unique id and name), versioned updates that track the spec version,
//! the updater's progress, removal.

use super::{not_found, At};
use crate::error::StoreError;
use crate::state::State;
use shoal_api::{Service, UpdateStatus};

pub(super) fn create(state: &mut State, at: At, s: &Service) -> Result<(), StoreError> {
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
    let mut s = s.clone();
    s.version.index = at.index;
    s.created_at = at.now;
    s.updated_at = at.now;
    s.spec_version = at.index;
    state.services.insert(s.id.clone(), s);
    Ok(())
}

/// Replaces spec, previous spec and the status fields if `expected_version` matches; a changed
/// spec bumps the spec version.
pub(super) fn update(
    state: &mut State,
    at: At,
    service: &Service,
    expected_version: u64,
) -> Result<(), StoreError> {
    let clash = state
        .services
        .values()
        .any(|o| o.spec.name == service.spec.name && o.id != service.id);
    let old = state
        .services
        .get_mut(&service.id)
        .ok_or_else(|| not_found("service", &service.id))?;
    if old.version.index != expected_version {
        return Err(StoreError::OutOfSequence);
    }
    if clash {
        return Err(StoreError::NameConflict {
            kind: "service".into(),
            name: service.spec.name.clone(),
        });
    }
    if old.spec != service.spec {
        old.spec_version = at.index;
    }
    old.spec = service.spec.clone();
    old.previous_spec = service.previous_spec.clone();
    old.endpoint = service.endpoint.clone();
    old.update_status = service.update_status.clone();
    old.job_status = service.job_status.clone();
    old.version.index = at.index;
    old.updated_at = at.now;
    Ok(())
}

pub(super) fn set_update_status(
    state: &mut State,
    at: At,
    id: &str,
    status: &UpdateStatus,
) -> Result<(), StoreError> {
    let svc = state
        .services
        .get_mut(id)
        .ok_or_else(|| not_found("service", id))?;
    svc.update_status = Some(status.clone());
    // The version guards the spec: a client that read the service just before its
    // update completed may still update it (Swarm refuses that as out of sequence).
    svc.updated_at = at.now;
    Ok(())
}

pub(super) fn delete(state: &mut State, id: &str) -> Result<(), StoreError> {
    state
        .services
        .remove(id)
        .ok_or_else(|| not_found("service", id))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::apply_one as one;
    use crate::error::StoreError;
    use crate::op::Op;
    use crate::state::State;
    use shoal_api::Service;

    fn svc(id: &str, name: &str) -> Service {
        let mut s = Service {
            id: id.into(),
            ..Default::default()
        };
        s.spec.name = name.into();
        s
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
}
