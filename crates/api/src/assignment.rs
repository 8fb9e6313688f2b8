//! What a dispatcher hands a node (and hears back): each task placed on it, with the data of the secrets and
//! configs that task references as separate parts (as swarmkit's assignments carry secrets
//! beside tasks). The data never enters the stored task, and never leaves the manager by the
//! API.

use crate::task::Task;
use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A node's full set of work; every set replaces the previous one.
pub type Assignments = Vec<Assignment>;

/// One task and the files it needs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Assignment {
    pub task: Task,
    /// The data of the secrets `task` references (`ContainerSpec.Secrets`), by secret ID.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<TaskFileData>,
    /// The data of the configs `task` references (`ContainerSpec.Configs`), by config ID.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub configs: Vec<TaskFileData>,
}

impl Assignment {
    /// A task that references no secret or config.
    pub fn bare(task: Task) -> Assignment {
        Assignment {
            task,
            ..Default::default()
        }
    }
}

/// One task state change a node observed, reported back to the dispatcher.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusUpdate {
    pub task_id: String,
    pub status: crate::task::TaskStatus,
}

/// The bytes of one secret or config (base64 on the wire).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskFileData {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(serialize_with = "to_base64", deserialize_with = "from_base64")]
    pub data: Vec<u8>,
}

/// Never prints the data (assignments end up in logs).
impl std::fmt::Debug for TaskFileData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskFileData")
            .field("id", &self.id)
            .field("data", &format_args!("<{} bytes>", self.data.len()))
            .finish()
    }
}

fn to_base64<S: Serializer>(data: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(data))
}

fn from_base64<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    let text = String::deserialize(d)?;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_base64_data_and_hides_it_from_debug() {
        let a = Assignment {
            task: Task {
                id: "t1".into(),
                ..Default::default()
            },
            secrets: vec![TaskFileData {
                id: "s1".into(),
                data: b"s3cret".to_vec(),
            }],
            configs: Vec::new(),
        };
        let json = serde_json::to_string(&a).expect("json");
        assert!(json.contains(r#""Data":"czNjcmV0""#), "{json}");
        assert!(!json.contains("Configs"));
        assert_eq!(serde_json::from_str::<Assignment>(&json).expect("back"), a);
        assert!(!format!("{a:?}").contains("s3cret"));
    }
}
