//! Object metadata shared by every stored object: the version that guards updates.

use serde::{Deserialize, Serialize};

/// `Version.Index`: bumped on every write; clients pass it back as `?version=` to update.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Version {
    pub index: u64,
}

/// Labels as the API carries them (sorted for stable output).
pub type Labels = std::collections::BTreeMap<String, String>;
