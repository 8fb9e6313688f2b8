//! The secrets and configs a service's tasks use (`ContainerSpec.Secrets` / `.Configs`,
//! entries `{File: {Name, UID, GID, Mode}, SecretID|ConfigID, SecretName|ConfigName}`):
//! checked when a service is created or updated, refused removal while in use, and the
//! data added to the copy of a task the dispatcher sends to its node (never stored in the
//! task, never returned by the API).

use super::ControlError;
use shoal_api::{Secret, ServiceSpec, Task};
use shoal_store::State;
use std::collections::BTreeMap;

/// Secrets or configs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Secret,
    Config,
}

impl Kind {
    fn key(self) -> &'static str {
        match self {
            Kind::Secret => "Secrets",
            Kind::Config => "Configs",
        }
    }

    fn word(self) -> &'static str {
        match self {
            Kind::Secret => "secret",
            Kind::Config => "config",
        }
    }

    fn id_key(self) -> &'static str {
        match self {
            Kind::Secret => "SecretID",
            Kind::Config => "ConfigID",
        }
    }

    fn name_key(self) -> &'static str {
        match self {
            Kind::Secret => "SecretName",
            Kind::Config => "ConfigName",
        }
    }

    fn objects(self, st: &State) -> &BTreeMap<String, Secret> {
        match self {
            Kind::Secret => &st.secrets,
            Kind::Config => &st.configs,
        }
    }
}

/// Checks that every referenced secret and config exists, filling in the ID when only the
/// name was given (and the name when only the ID was).
pub fn resolve(st: &State, spec: &mut ServiceSpec) -> Result<(), ControlError> {
    for kind in [Kind::Secret, Kind::Config] {
        let Some(refs) = spec
            .task_template
            .container_spec
            .extra
            .get_mut(kind.key())
            .and_then(|v| v.as_array_mut())
        else {
            continue;
        };
        for r in refs.iter_mut() {
            let id = r
                .get(kind.id_key())
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            let name = r
                .get(kind.name_key())
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            let objects = kind.objects(st);
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
            r[kind.id_key()] = obj.id.clone().into();
            r[kind.name_key()] = obj.spec.name.clone().into();
        }
    }
    Ok(())
}

/// Names of the services using the secret or config `id`.
pub fn users(st: &State, kind: Kind, id: &str) -> Vec<String> {
    st.services
        .values()
        .filter(|s| {
            s.spec
                .task_template
                .container_spec
                .extra
                .get(kind.key())
                .and_then(|v| v.as_array())
                .is_some_and(|refs| {
                    refs.iter()
                        .any(|r| r.get(kind.id_key()).and_then(|v| v.as_str()) == Some(id))
                })
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

/// The task as its node gets it: each secret and config reference carries the data
/// (`ShoalData`, base64) the agent writes into the task's filesystem.
pub fn with_data(st: &State, task: &Task) -> Task {
    let mut t = task.clone();
    for kind in [Kind::Secret, Kind::Config] {
        let Some(refs) = t
            .spec
            .container_spec
            .extra
            .get_mut(kind.key())
            .and_then(|v| v.as_array_mut())
        else {
            continue;
        };
        for r in refs.iter_mut() {
            let id = r
                .get(kind.id_key())
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            if let Some(data) = kind.objects(st).get(id).and_then(|o| o.spec.data.clone()) {
                r["ShoalData"] = data.into();
            }
        }
    }
    t
}
