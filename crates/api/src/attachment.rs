//! `TaskTemplate.Networks`: the networks a service's tasks join (`--network`), by ID once the
//! manager has resolved the names a client sent.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Docker's `NetworkAttachmentConfig`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NetworkAttachmentConfig {
    /// The network's ID, name or ID prefix as sent; its ID once stored.
    pub target: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aliases: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver_opts: Option<crate::meta::Labels>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
