//! Service operations: create, list, inspect, update (and rollback), remove.

use super::filters::Filters;
use super::{resolve_id, single, ControlError};
use crate::ids::RandomIds;
use crate::manager::Manager;
use shoal_api::defaults::with_defaults;
use shoal_api::ids::IdSource;
use shoal_api::validate::{validate_mode_change, validate_service_spec};
use shoal_api::{Endpoint, Service, ServiceSpec, Timestamp};
use shoal_core::ipam::{publish, service_vips, InUse};
use shoal_store::{Kind, Op, State};

pub const FILTERS: &[&str] = &["name", "id", "label", "mode", "runtime"];

fn check(spec: &ServiceSpec) -> Result<(), ControlError> {
    validate_service_spec(spec).map_err(ControlError::invalid)?;
    shoal_core::placement::validate(spec.task_template.placement.as_ref())
        .map_err(ControlError::invalid)?;
    Ok(())
}

/// `service create` as data: the service to write, its spec checked and its network,
/// secret and config references resolved against `st`. Pure: time and ids come in.
pub fn plan_create(
    st: &State,
    mut spec: ServiceSpec,
    now: Timestamp,
    ids: &mut dyn IdSource,
) -> Result<Service, ControlError> {
    spec.mode = spec.mode.normalized();
    check(&spec)?;
    super::networks::resolve_attachments(st, &mut spec)?;
    super::references::resolve(st, &mut spec)?;
    let mut service = Service {
        id: ids.next_id(),
        endpoint: Endpoint::of(&spec),
        spec,
        ..Default::default()
    };
    service.start_job(now);
    service.endpoint.ports = publish(st, &service, &[]).map_err(ControlError::invalid)?;
    service.endpoint.virtual_ips =
        service_vips(st, &mut InUse::of(st), &service, &[]).map_err(ControlError::invalid)?;
    Ok(service)
}

/// Creates a service; returns its ID.
pub async fn create(m: &Manager, mut spec: ServiceSpec) -> Result<String, ControlError> {
    if spec.name.is_empty() {
        // Docker names unnamed services after a random adjective and scientist.
        let taken = |n: &str| m.read().service_by_name(n).is_some();
        spec.name = crate::names::generate(taken);
    }
    let _allocating = m.allocation.lock().await;
    let service = plan_create(&m.read(), spec, m.now(), &mut RandomIds)?;
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

/// `service update` (or `rollback`) as data: the op that replaces the service's spec,
/// guarded by the `version` the client read. Pure: the time comes in.
pub fn plan_update(
    st: &State,
    reference: &str,
    version: u64,
    spec: ServiceSpec,
    rollback: bool,
    now: Timestamp,
) -> Result<Op, ControlError> {
    let id = resolve_id(st, Kind::Service, reference)?;
    let current = &st.services[&id];
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
        super::networks::resolve_attachments(st, &mut spec)?;
        super::references::resolve(st, &mut spec)?;
        validate_mode_change(&current.spec, &spec).map_err(ControlError::invalid)?;
        if spec.name != current.spec.name {
            return Err(ControlError::invalid("renaming services is not supported"));
        }
        next.previous_spec = Some(current.spec.clone());
        next.spec = spec;
    }
    next.start_update(&current.spec, rollback, now);
    next.endpoint.ports =
        publish(st, &next, &current.endpoint.ports).map_err(ControlError::invalid)?;
    next.endpoint.virtual_ips =
        service_vips(st, &mut InUse::of(st), &next, &current.endpoint.virtual_ips)
            .map_err(ControlError::invalid)?;
    Ok(Op::UpdateService {
        service: Box::new(next),
        expected_version: version,
    })
}

/// Updates a service to `spec`, or back to its previous spec when `rollback`.
pub async fn update(
    m: &Manager,
    reference: &str,
    version: u64,
    spec: ServiceSpec,
    rollback: bool,
) -> Result<(), ControlError> {
    let _allocating = m.allocation.lock().await;
    let op = plan_update(&m.read(), reference, version, spec, rollback, m.now())?;
    single(m.propose(vec![op]).await?)?;
    Ok(())
}

pub async fn remove(m: &Manager, reference: &str) -> Result<(), ControlError> {
    let id = resolve_id(&m.read(), Kind::Service, reference)?;
    single(m.propose(vec![Op::DeleteService { id }]).await?)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use shoal_api::ids::SequentialIds;
    use shoal_api::ServiceMode;

    fn spec(name: &str) -> ServiceSpec {
        let mut s = ServiceSpec {
            name: name.into(),
            mode: ServiceMode {
                replicated_job: Some(Default::default()),
                ..Default::default()
            },
            ..Default::default()
        };
        s.task_template.container_spec.image = "busybox".into();
        s
    }

    #[test]
    fn a_plan_takes_its_time_and_ids_from_the_caller() {
        let st = State::default();
        let now = Timestamp(42);
        let s = plan_create(&st, spec("job"), now, &mut SequentialIds(0)).expect("plan");
        let again = plan_create(&st, spec("job"), now, &mut SequentialIds(0)).expect("plan");
        assert_eq!(s, again, "same inputs, same plan");
        assert_eq!(s.job_status.expect("a job").last_execution, now);
        let e = plan_create(&st, ServiceSpec::default(), now, &mut SequentialIds(0));
        assert!(e.is_err(), "an invalid spec plans nothing");
    }

    #[test]
    fn a_rollback_without_a_previous_spec_is_refused() {
        let mut st = State::default();
        let s = plan_create(&st, spec("job"), Timestamp(1), &mut SequentialIds(0)).expect("plan");
        st.services.insert(s.id.clone(), s);
        let e = plan_update(&st, "job", 1, ServiceSpec::default(), true, Timestamp(2));
        assert_eq!(
            e.unwrap_err().to_string(),
            "rpc error: code = InvalidArgument desc = service job does not have a previous spec"
        );
    }
}
