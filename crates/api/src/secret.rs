//! Swarm secrets: small blobs of sensitive data (`POST /secrets/create`), kept in the
//! replicated state (whose raft log is encrypted at rest) and never returned by the API.
//!
//! `Spec.Data` travels as standard base64 (Go's `[]byte` in JSON); it is stored as the client
//! sent it and decoded only to validate its size.

use crate::meta::{Labels, Version};
use crate::time::Timestamp;
use base64::Engine;
use serde::{Deserialize, Serialize};

/// Swarmkit's `MaxSecretSize`: data must be shorter than 500 KiB.
pub const MAX_SECRET_SIZE: usize = 500 * 1024;
/// Swarmkit's `MaxConfigSize`: data must be shorter than 1000 KiB.
pub const MAX_CONFIG_SIZE: usize = 1000 * 1024;

/// A swarm config (`docker config`): the same object as a secret, minus the secrecy (the
/// API returns its data) and the external driver, with a larger size limit.
pub type Config = Secret;
pub type ConfigSpec = SecretSpec;

#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct SecretSpec {
    pub name: String,
    pub labels: Labels,
    /// Base64 of the secret's bytes; `None` once stripped for the API.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// An external secret driver (`{Name, Options}`): refused, shoal has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver: Option<crate::driver::Driver>,
    /// Templating driver (`{Name, Options}`); kept as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub templating: Option<crate::driver::Driver>,
}

/// Never prints the data (states and ops end up in logs).
impl std::fmt::Debug for SecretSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretSpec")
            .field("name", &self.name)
            .field("labels", &self.labels)
            .field("data", &self.data.as_ref().map(|_| "<redacted>"))
            .field("driver", &self.driver)
            .field("templating", &self.templating)
            .finish()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Secret {
    #[serde(rename = "ID")]
    pub id: String,
    pub version: Version,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub spec: SecretSpec,
}

impl Secret {
    /// The secret as the API shows it: without its data.
    pub fn redacted(&self) -> Secret {
        let mut s = self.clone();
        s.spec.data = None;
        s
    }
}

/// Swarmkit's rule for secret and config names: at most 64 characters of `[a-zA-Z0-9-_.]`,
/// starting and ending with a letter or digit.
pub fn valid_secret_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

/// Swarmkit's name checks, with its messages.
fn validate_name(name: &str) -> Result<(), crate::validate::InvalidSpec> {
    use crate::validate::InvalidSpec;
    if name.is_empty() {
        return Err(InvalidSpec("name must be provided".into()));
    }
    if !valid_secret_name(name) {
        return Err(InvalidSpec(
            "invalid name, only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]"
                .into(),
        ));
    }
    Ok(())
}

/// Checks a spec for `secret create`, with swarmkit's messages (the caller adds the gRPC
/// `InvalidArgument` wrapping).
pub fn validate_secret_spec(spec: &SecretSpec) -> Result<(), crate::validate::InvalidSpec> {
    use crate::validate::InvalidSpec;
    validate_name(&spec.name)?;
    if let Some(driver) = &spec.driver {
        if driver.name.as_deref().unwrap_or("").is_empty() {
            return Err(InvalidSpec("secret driver must have a name".into()));
        }
        return Err(InvalidSpec(
            "secret drivers are not supported by this shoal version".into(),
        ));
    }
    let len = secret_data(spec).map_or(0, |d| d.len());
    if !(1..MAX_SECRET_SIZE).contains(&len) {
        return Err(InvalidSpec(format!(
            "secret data must be larger than 0 and less than {MAX_SECRET_SIZE} bytes"
        )));
    }
    Ok(())
}

/// Checks a spec for `config create`, with swarmkit's messages.
pub fn validate_config_spec(spec: &ConfigSpec) -> Result<(), crate::validate::InvalidSpec> {
    use crate::validate::InvalidSpec;
    validate_name(&spec.name)?;
    if spec.driver.is_some() {
        return Err(InvalidSpec("configs have no driver".into()));
    }
    let len = secret_data(spec).map_or(0, |d| d.len());
    if !(1..MAX_CONFIG_SIZE).contains(&len) {
        return Err(InvalidSpec(format!(
            "config data must be larger than 0 and less than {MAX_CONFIG_SIZE} bytes"
        )));
    }
    Ok(())
}

/// The decoded data of a spec; `None` when absent or not valid base64.
pub fn secret_data(spec: &SecretSpec) -> Option<Vec<u8>> {
    let raw = spec.data.as_deref()?;
    // Go's decoder skips line breaks inside base64.
    let clean: String = raw.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    base64::engine::general_purpose::STANDARD.decode(clean).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, data: &[u8]) -> SecretSpec {
        SecretSpec {
            name: name.into(),
            data: Some(base64::engine::general_purpose::STANDARD.encode(data)),
            ..Default::default()
        }
    }

    fn err(s: &SecretSpec) -> String {
        validate_secret_spec(s).unwrap_err().0
    }

    #[test]
    fn names() {
        for ok in ["a", "db.password", "my_stack_pw-1", &"x".repeat(64)] {
            assert!(validate_secret_spec(&spec(ok, b"x")).is_ok(), "{ok}");
        }
        assert_eq!(err(&spec("", b"x")), "name must be provided");
        for bad in ["-a", "a-", ".a", "a b", "a/b", "é", &"x".repeat(65)] {
            assert!(
                err(&spec(bad, b"x")).starts_with("invalid name, only 64"),
                "{bad}"
            );
        }
    }

    #[test]
    fn data_size() {
        let msg = "secret data must be larger than 0 and less than 512000 bytes";
        assert_eq!(err(&spec("a", b"")), msg);
        assert_eq!(
            err(&SecretSpec {
                name: "a".into(),
                ..Default::default()
            }),
            msg
        );
        assert_eq!(err(&spec("a", &vec![0; MAX_SECRET_SIZE])), msg);
        assert!(validate_secret_spec(&spec("a", &vec![0; MAX_SECRET_SIZE - 1])).is_ok());
        let not_b64 = SecretSpec {
            name: "a".into(),
            data: Some("%%%".into()),
            ..Default::default()
        };
        assert_eq!(err(&not_b64), msg);
    }

    #[test]
    fn drivers_and_json() {
        let mut s = spec("a", b"x");
        s.driver = Some(serde_json::from_value(serde_json::json!({"Name": ""})).expect("driver"));
        assert_eq!(err(&s), "secret driver must have a name");
        let sec = Secret {
            id: "i".into(),
            spec: spec("a", b"hi"),
            ..Default::default()
        };
        let shown = serde_json::to_value(sec.redacted()).unwrap();
        assert_eq!(
            shown["Spec"],
            serde_json::json!({"Name": "a", "Labels": {}})
        );
        assert!(shown.get("Version").is_some() && shown.get("CreatedAt").is_some());
        assert!(!format!("{sec:?}").contains("aGk="));
    }
}
