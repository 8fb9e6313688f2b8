//! The cluster object (`GET /swarm`): its spec, join tokens and identity.

use crate::meta::{Labels, Version};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct OrchestrationConfig {
    pub task_history_retention_limit: i64,
}

impl Default for OrchestrationConfig {
    fn default() -> Self {
        OrchestrationConfig {
            task_history_retention_limit: 5,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RaftConfig {
    pub snapshot_interval: u64,
    pub keep_old_snapshots: u64,
    pub log_entries_for_slow_followers: u64,
    pub election_tick: u64,
    pub heartbeat_tick: u64,
}

impl Default for RaftConfig {
    fn default() -> Self {
        RaftConfig {
            snapshot_interval: 10000,
            keep_old_snapshots: 0,
            log_entries_for_slow_followers: 500,
            election_tick: 10,
            heartbeat_tick: 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DispatcherConfig {
    pub heartbeat_period: i64,
}

/// shoal's default heartbeat period: 1 s (Swarm: 5 s). With the grace of three periods a
/// dead node is down after about 3 s instead of 15 s; a LAN round trip is well under a
/// millisecond, so this does not flap, and the cost is one small RPC per node per second.
pub const DEFAULT_HEARTBEAT_NANOS: i64 = 1_000_000_000;

impl Default for DispatcherConfig {
    fn default() -> Self {
        DispatcherConfig {
            heartbeat_period: DEFAULT_HEARTBEAT_NANOS,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CaConfig {
    pub node_cert_expiry: i64,
    /// Bumped by `swarm ca --rotate`: each change starts a root CA rotation.
    #[serde(skip_serializing_if = "is_zero")]
    pub force_rotate: u64,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

impl Default for CaConfig {
    fn default() -> Self {
        CaConfig {
            node_cert_expiry: 90 * 24 * 3600 * 1_000_000_000,
            force_rotate: 0,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct EncryptionConfig {
    pub auto_lock_managers: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct SwarmSpec {
    pub name: String,
    pub labels: Labels,
    pub orchestration: OrchestrationConfig,
    pub raft: RaftConfig,
    pub dispatcher: DispatcherConfig,
    #[serde(rename = "CAConfig")]
    pub ca_config: CaConfig,
    pub task_defaults: serde_json::Value,
    pub encryption_config: EncryptionConfig,
}

impl Default for SwarmSpec {
    fn default() -> Self {
        SwarmSpec {
            name: "default".into(),
            labels: Labels::new(),
            orchestration: OrchestrationConfig::default(),
            raft: RaftConfig::default(),
            dispatcher: DispatcherConfig::default(),
            ca_config: CaConfig::default(),
            task_defaults: serde_json::json!({}),
            encryption_config: EncryptionConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct JoinTokens {
    pub worker: String,
    pub manager: String,
}

/// A trust root as the API shows it (the key is never shown): the cluster's, or what a node
/// trusts and who issued its certificate (`Node.Description.TLSInfo`). The issuer fields are
/// base64 DER, as Docker's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TlsInfo {
    pub trust_root: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cert_issuer_subject: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cert_issuer_public_key: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Cluster {
    #[serde(rename = "ID")]
    pub id: String,
    pub version: Version,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub spec: SwarmSpec,
    pub root_rotation_in_progress: bool,
    pub default_addr_pool: Vec<String>,
    pub subnet_size: u32,
    pub data_path_port: u32,
    pub join_tokens: JoinTokens,
    #[serde(rename = "TLSInfo")]
    pub tls_info: TlsInfo,
}
