//! Service operations: create, list, inspect, update (and rollback), remove.

use super::filters::Filters;
use super::{resolve_id, single, ControlError};
use crate::ids::new_id;
use crate::manager::Manager;
use shoal_api::defaults::with_defaults;
use shoal_api::validate::{validate_mode_change, validate_service_spec};
use shoal_api::{Endpoint, Service, ServiceSpec};
use shoal_store::{Kind, Op};

pub const FILTERS: &[&str] = &["name", "id", "label", "mode", "runtime"];

fn check(spec: &ServiceSpec) -> Result<(), ControlError> {
    validate_service_spec(spec).map_err(ControlError::invalid)?;
    shoal_core::placement::validate(spec.task_template.placement.as_ref())
        .map_err(ControlError::invalid)?;
    Ok(())
}

/// Creates a service; returns its ID.
pub async fn create(m: &Manager, mut spec: ServiceSpec) -> Result<String, ControlError> {
    spec.mode = spec.mode.normalized();
    if spec.name.is_empty() {
        // Docker names unnamed services after a random adjective and scientist.
        let taken = |n: &str| m.read().service_by_name(n).is_some();
        spec.name = crate::names::generate(taken);
    }
    check(&spec)?;
    crate::control::networks::resolve_attachments(&m.read(), &mut spec)?;
    crate::control::references::resolve(&m.read(), &mut spec)?;
    let mut service = Service {
        id: new_id(),
        endpoint: Endpoint::of(&spec),
        spec,
        ..Default::default()
    };
    service.start_job(m.now());
    let id = service.id.clone();
    single(
        m.propose(vec![Op::CreateService(Box::new(service))])
            .await?,
    )?;
    Ok(id)
}

pub fn list(m: &Manager, f: &Filters, with_status: bool) -> Vec<Service> {
    let st = m.read();
    st.services
        .values()
        .filter(|s| {
            f.any("name", |v| s.spec.name.starts_with(v))
                && f.any("id", |v| s.id.starts_with(v))
                && f.labels("label", &s.spec.labels)
                && f.any("mode", |v| s.spec.mode.name().starts_with(v))
        })
        .map(|s| {
            let mut s = s.clone();
            if with_status {
                s.service_status = Some(shoal_core::status::service_status(&st, &s));
            }
            s
        })
        .collect()
}

pub fn inspect(
    m: &Manager,
    reference: &str,
    insert_defaults: bool,
) -> Result<Service, ControlError> {
    let st = m.read();
    let id = resolve_id(&st, Kind::Service, reference)?;
    let mut s = st.services[&id].clone();
    if insert_defaults {
        s.spec = with_defaults(&s.spec);
        s.previous_spec = s.previous_spec.as_ref().map(with_defaults);
    }
    Ok(s)
}

/// Updates a service to `spec`, or back to its previous spec when `rollback`.
pub async fn update(
    m: &Manager,
    reference: &str,
    version: u64,
    spec: ServiceSpec,
    rollback: bool,
) -> Result<(), ControlError> {
    let current = {
        let st = m.read();
        let id = resolve_id(&st, Kind::Service, reference)?;
        st.services[&id].clone()
    };
    let mut next = current.clone();
    if rollback {
        let prev = current.previous_spec.clone().ok_or_else(|| {
            ControlError::invalid(format!(
                "service {} does not have a previous spec",
                current.spec.name
            ))
        })?;
        next.spec = prev;
        next.previous_spec = Some(current.spec.clone());
    } else {
        let mut spec = spec;
        spec.mode = spec.mode.normalized();
        check(&spec)?;
        crate::control::networks::resolve_attachments(&m.read(), &mut spec)?;
        crate::control::references::resolve(&m.read(), &mut spec)?;
        validate_mode_change(&current.spec, &spec).map_err(ControlError::invalid)?;
        if spec.name != current.spec.name {
            return Err(ControlError::invalid("renaming services is not supported"));
        }
        next.previous_spec = Some(current.spec.clone());
        next.spec = spec;
    }
    next.start_update(&current.spec, rollback, m.now());
    single(
        m.propose(vec![Op::UpdateService {
            service: Box::new(next),
            expected_version: version,
        }])
        .await?,
    )?;
    Ok(())
}

pub async fn remove(m: &Manager, reference: &str) -> Result<(), ControlError> {
    let id = resolve_id(&m.read(), Kind::Service, reference)?;
    single(m.propose(vec![Op::DeleteService { id }]).await?)?;
    Ok(())
}
