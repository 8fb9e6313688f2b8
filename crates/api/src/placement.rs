//! `TaskSpec.Placement`: constraints, spread preferences, the per-node replica limit and
//! platforms, as Docker's JSON has them. `shoal_core::placement` decodes them for the
//! scheduler; [`crate::validate`] checks them with swarmkit's words.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Placement {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub preferences: Vec<PlacementPreference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_replicas: Option<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<ImagePlatform>,
}

/// One preference; only `Spread` exists. A preference of another kind keeps its key in
/// `extra` so that validation can name it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PlacementPreference {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spread: Option<SpreadOver>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl PlacementPreference {
    /// A spread over `descriptor` (`node.labels.dc`).
    pub fn spread(descriptor: &str) -> PlacementPreference {
        PlacementPreference {
            spread: Some(SpreadOver {
                spread_descriptor: descriptor.to_string(),
                extra: Map::new(),
            }),
            extra: Map::new(),
        }
    }

    /// The preference's kind as the client named it (`Spread`, or the unknown key).
    pub fn kind(&self) -> String {
        if self.spread.is_some() {
            return "Spread".into();
        }
        self.extra.keys().next().cloned().unwrap_or_default()
    }

    /// The spread descriptor, if this is a spread preference. Docker reads member names
    /// without regard to case, so `SPREAD` (left in `extra`) counts too.
    pub fn spread_descriptor(&self) -> Option<&str> {
        if let Some(s) = &self.spread {
            return Some(&s.spread_descriptor);
        }
        let (_, v) = self
            .extra
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("spread"))?;
        v.as_object()?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("spreaddescriptor"))?
            .1
            .as_str()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct SpreadOver {
    pub spread_descriptor: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A platform the service's image runs on (`{Architecture, OS}`); passed through.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ImagePlatform {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub architecture: String,
    #[serde(rename = "OS", skip_serializing_if = "String::is_empty")]
    pub os: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
