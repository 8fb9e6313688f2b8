//! Secret operations: create, list, inspect, update (labels only), remove.
//!
//! Nothing here ever returns a secret's data. Removal is refused while a service references
//! the secret (Docker's "secret 'NAME' is in use by the following service: ...").

use super::filters::Filters;
use super::references::Kind::Secret as Secrets;
use super::{resolve_id, single, ControlError};
use crate::ids::new_id;
use crate::manager::Manager;
use shoal_api::secret::validate_secret_spec;
use shoal_api::{Secret, SecretSpec};
use shoal_store::{Kind, Op};

/// Docker's secret list filters: `names` exact, `name` and `id` prefixes, `label`.
pub const FILTERS: &[&str] = &["names", "name", "id", "label"];

/// Creates a secret; returns its ID.
pub async fn create(m: &Manager, spec: SecretSpec) -> Result<String, ControlError> {
    validate_secret_spec(&spec).map_err(ControlError::invalid)?;
    let secret = Secret {
        id: new_id(),
        spec,
        ..Default::default()
    };
    let id = secret.id.clone();
    single(m.propose(vec![Op::CreateSecret(Box::new(secret))]).await?)?;
    Ok(id)
}

/// Whether `s` passes the list filters.
pub fn matches(f: &Filters, s: &Secret) -> bool {
    f.any("names", |v| s.spec.name == v)
        && f.any("name", |v| s.spec.name.starts_with(v))
        && f.any("id", |v| s.id.starts_with(v))
        && f.labels("label", &s.spec.labels)
}

pub fn list(m: &Manager, f: &Filters) -> Vec<Secret> {
    m.read()
        .secrets
        .values()
        .filter(|s| matches(f, s))
        .map(Secret::redacted)
        .collect()
}

pub fn inspect(m: &Manager, reference: &str) -> Result<Secret, ControlError> {
    let st = m.read();
    let id = resolve_id(&st, Kind::Secret, reference)?;
    Ok(st.secrets[&id].redacted())
}

pub async fn update(
    m: &Manager,
    reference: &str,
    version: u64,
    spec: SecretSpec,
) -> Result<(), ControlError> {
    super::references::update_labels(m, Secrets, reference, version, spec).await
}

pub async fn remove(m: &Manager, reference: &str) -> Result<(), ControlError> {
    super::references::remove(m, Secrets, reference).await
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
    fn filters() {
        let mut s = Secret {
            id: "abc123".into(),
            spec: spec("db_password", None),
            ..Default::default()
        };
        s.spec.labels.insert("env".into(), "prod".into());
        let f = |raw: &str| Filters::parse(Some(raw), FILTERS).unwrap();
        assert!(matches(&f("{}"), &s));
        assert!(matches(&f(r#"{"names":{"db_password":true}}"#), &s));
        assert!(!matches(&f(r#"{"names":{"db":true}}"#), &s));
        assert!(matches(&f(r#"{"name":{"db":true}}"#), &s));
        assert!(matches(&f(r#"{"id":{"abc":true}}"#), &s));
        assert!(!matches(&f(r#"{"id":{"x":true}}"#), &s));
        assert!(matches(&f(r#"{"label":{"env=prod":true}}"#), &s));
        assert!(!matches(&f(r#"{"label":{"env=dev":true}}"#), &s));
        assert!(Filters::parse(Some(r#"{"mode":{"x":true}}"#), FILTERS).is_err());
    }
}
