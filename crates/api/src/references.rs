//! `ContainerSpec.Secrets` and `.Configs`: which secrets and configs a task gets and where
//! (`{File: {Name, UID, GID, Mode}, SecretID, SecretName}`). The manager resolves names to
//! IDs at create; the data itself travels to the node beside the task, in its
//! [`crate::assignment::Assignment`].

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Where a secret or config lands in the task's filesystem.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct FileTarget {
    /// A path relative to `/run/secrets/` (secrets) or `/` (configs), or absolute.
    pub name: String,
    #[serde(rename = "UID", skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    #[serde(rename = "GID", skip_serializing_if = "Option::is_none")]
    pub gid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One `--secret` of a service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct SecretReference {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<FileTarget>,
    #[serde(rename = "SecretID")]
    pub secret_id: String,
    pub secret_name: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One `--config` of a service (`Runtime` targets, for credential specs, pass through).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ConfigReference {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<FileTarget>,
    #[serde(rename = "ConfigID")]
    pub config_id: String,
    pub config_name: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// What secret and config references have in common, for code that treats both alike.
pub trait Reference {
    fn id(&self) -> &str;
    fn set_id(&mut self, id: String);
    fn name(&self) -> &str;
    fn set_name(&mut self, name: String);
    fn file(&self) -> Option<&FileTarget>;
}

impl Reference for SecretReference {
    fn id(&self) -> &str {
        &self.secret_id
    }
    fn set_id(&mut self, id: String) {
        self.secret_id = id;
    }
    fn name(&self) -> &str {
        &self.secret_name
    }
    fn set_name(&mut self, name: String) {
        self.secret_name = name;
    }
    fn file(&self) -> Option<&FileTarget> {
        self.file.as_ref()
    }
}

impl Reference for ConfigReference {
    fn id(&self) -> &str {
        &self.config_id
    }
    fn set_id(&mut self, id: String) {
        self.config_id = id;
    }
    fn name(&self) -> &str {
        &self.config_name
    }
    fn set_name(&mut self, name: String) {
        self.config_name = name;
    }
    fn file(&self) -> Option<&FileTarget> {
        self.file.as_ref()
    }
}
