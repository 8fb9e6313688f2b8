//! Secrets and configs, the two labelled blobs of Swarm: their shared label updates and
//! removal, and the references a service's tasks make to them (`ContainerSpec.Secrets` /
//! `.Configs`, entries `{File: {Name, UID, GID, Mode}, SecretID|ConfigID,
//! SecretName|ConfigName}`): checked when a service is created or updated, refused removal
//! while in use, and the data added to the copy of a task the dispatcher sends to its node
//! (never stored in the task, never returned by the API).

use super::{resolve_id, single, ControlError};
use crate::manager::Manager;
use base64::Engine as _;
use shoal_api::secret::secret_data;
use shoal_api::{
    Assignment, ContainerSpec, Reference, Secret, SecretSpec, ServiceSpec, Task, TaskFileData,
};
use shoal_store::{Op, State};
use std::collections::BTreeMap;

/// Secrets or configs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Secret,
    Config,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Secret => "secret",
            Kind::Config => "config",
        }
    }

    fn objects(self, st: &State) -> &BTreeMap<String, Secret> {
        match self {
            Kind::Secret => &st.secrets,
            Kind::Config => &st.configs,
        }
    }

    fn store_kind(self) -> shoal_store::Kind {
        match self {
            Kind::Secret => shoal_store::Kind::Secret,
            Kind::Config => shoal_store::Kind::Config,
        }
    }

    /// The references of this kind a container spec makes.
    fn refs(self, c: &ContainerSpec) -> Vec<&dyn Reference> {
        match self {
            Kind::Secret => c.secrets.iter().flatten().map(|r| r as _).collect(),
            Kind::Config => c.configs.iter().flatten().map(|r| r as _).collect(),
        }
    }

    /// The same, to edit.
    fn refs_mut(self, c: &mut ContainerSpec) -> Vec<&mut dyn Reference> {
        match self {
            Kind::Secret => c.secrets.iter_mut().flatten().map(|r| r as _).collect(),
            Kind::Config => c.configs.iter_mut().flatten().map(|r| r as _).collect(),
        }
    }
}

/// Checks an update against the current secret: only the labels may change (the data may
/// be left out, or sent unchanged).
pub fn check_update(current: &SecretSpec, next: &SecretSpec) -> Result<(), ControlError> {
    let data_changed = next.data.is_some() && secret_data(next) != secret_data(current);
    if next.name != current.name || data_changed {
        return Err(ControlError::invalid("only updates to Labels are allowed"));
    }
    Ok(())
}

/// `POST /secrets|configs/{id}/update` as data: only the labels may change.
pub fn plan_update_labels(
    st: &State,
    kind: Kind,
    reference: &str,
    version: u64,
    spec: SecretSpec,
) -> Result<Op, ControlError> {
    let id = resolve_id(st, kind.store_kind(), reference)?;
    let current = &kind.objects(st)[&id];
    check_update(&current.spec, &spec)?;
    let (labels, expected_version) = (spec.labels, version);
    Ok(match kind {
        Kind::Secret => Op::UpdateSecret {
            id,
            labels,
            expected_version,
        },
        Kind::Config => Op::UpdateConfig {
            id,
            labels,
            expected_version,
        },
    })
}

/// `POST /secrets|configs/{id}/update`.
pub async fn update_labels(
    m: &Manager,
    kind: Kind,
    reference: &str,
    version: u64,
    spec: SecretSpec,
) -> Result<(), ControlError> {
    let op = plan_update_labels(&m.read(), kind, reference, version, spec)?;
    single(m.propose(vec![op]).await?)?;
    Ok(())
}

/// Removing a secret or config as data: refused while a service uses it.
pub fn plan_remove(st: &State, kind: Kind, reference: &str) -> Result<Op, ControlError> {
    let id = resolve_id(st, kind.store_kind(), reference)?;
    refuse_if_used(st, kind, &id)?;
    Ok(match kind {
        Kind::Secret => Op::DeleteSecret { id },
        Kind::Config => Op::DeleteConfig { id },
    })
}

/// Removes a secret or config, unless a service uses it.
pub async fn remove(m: &Manager, kind: Kind, reference: &str) -> Result<(), ControlError> {
    let op = plan_remove(&m.read(), kind, reference)?;
    single(m.propose(vec![op]).await?)?;
    Ok(())
}

/// Checks that every referenced secret and config exists, filling in the ID when only the
/// name was given (and the name when only the ID was).
pub fn resolve(st: &State, spec: &mut ServiceSpec) -> Result<(), ControlError> {
    for kind in [Kind::Secret, Kind::Config] {
        let objects = kind.objects(st);
        for r in kind.refs_mut(&mut spec.task_template.container_spec) {
            let (id, name) = (r.id(), r.name());
            let found = objects.get(id).or_else(|| {
                objects
                    .values()
                    .find(|o| !name.is_empty() && o.spec.name == name)
            });
            let Some(obj) = found else {
                let what = if name.is_empty() { id } else { name };
                return Err(ControlError::invalid(format!(
                    "{} not found: {what}",
                    kind.word()
                )));
            };
            r.set_id(obj.id.clone());
            r.set_name(obj.spec.name.clone());
        }
    }
    Ok(())
}

/// Names of the services using the secret or config `id`.
pub fn users(st: &State, kind: Kind, id: &str) -> Vec<String> {
    st.services
        .values()
        .filter(|s| {
            kind.refs(&s.spec.task_template.container_spec)
                .iter()
                .any(|r| r.id() == id)
        })
        .map(|s| s.spec.name.clone())
        .collect()
}

/// swarmkit's refusal to remove a secret or config in use.
pub fn refuse_if_used(st: &State, kind: Kind, id: &str) -> Result<(), ControlError> {
    let users = users(st, kind, id);
    if users.is_empty() {
        return Ok(());
    }
    let name = kind
        .objects(st)
        .get(id)
        .map_or(id, |o| o.spec.name.as_str());
    let s = if users.len() == 1 { "" } else { "s" };
    Err(ControlError::invalid(format!(
        "{} '{name}' is in use by the following service{s}: {}",
        kind.word(),
        users.join(", ")
    )))
}

/// The task as its node gets it: beside the task, the data of each secret and config it
/// references (decoded from the stored base64), which the agent writes into the task's
/// filesystem.
pub fn assignment(st: &State, task: &Task) -> Assignment {
    let data = |kind: Kind| -> Vec<TaskFileData> {
        kind.refs(&task.spec.container_spec)
            .iter()
            .filter_map(|r| {
                let stored = kind.objects(st).get(r.id())?.spec.data.as_deref()?;
                let data = base64::engine::general_purpose::STANDARD
                    .decode(stored)
                    .ok()?;
                Some(TaskFileData {
                    id: r.id().to_string(),
                    data,
                })
            })
            .collect()
    };
    Assignment {
        task: task.clone(),
        secrets: data(Kind::Secret),
        configs: data(Kind::Config),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, data: Option<&str>) -> SecretSpec {
        SecretSpec {
            name: name.into(),
            data: data.map(str::to_string),
            ..Default::default()
        }
    }

    #[test]
    fn updates_change_labels_only() {
        let cur = spec("pw", Some("aGk="));
        let mut next = spec("pw", None);
        next.labels.insert("k".into(), "v".into());
        assert!(check_update(&cur, &next).is_ok());
        assert!(check_update(&cur, &spec("pw", Some("aGk="))).is_ok());
        let refused = "rpc error: code = InvalidArgument desc = only updates to Labels are allowed";
        for bad in [spec("pw2", None), spec("pw", Some("aG8="))] {
            let e = check_update(&cur, &bad).unwrap_err();
            assert_eq!((e.http_status(), e.to_string().as_str()), (400, refused));
        }
    }
}
