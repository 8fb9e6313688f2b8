//! `ContainerSpec.Healthcheck`: the probe a task's health is judged by, in Docker's JSON
//! (durations in nanoseconds). Every member is optional so that what a client sent is what
//! `inspect` returns; the executors apply Docker's defaults.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Docker's `HealthConfig`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct HealthConfig {
    /// `[]` inherits the image's check, `["NONE"]` disables it, `["CMD", args...]` or
    /// `["CMD-SHELL", command]` runs a probe.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_period: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_interval: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<i64>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
