//! A driver and its options (`{Name, Options}`), as volumes, log drivers, secret drivers and
//! templating drivers name theirs.

use crate::meta::Labels;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `{Name, Options}`; unknown members pass through.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Driver {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Labels>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
