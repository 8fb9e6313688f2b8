//! The whole replicated state: one map per object kind, plus read helpers.

use serde::{Deserialize, Serialize};
use shoal_api::{Cluster, Node, Secret, Service, Task};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// Raft index of the last applied batch.
    pub index: u64,
    pub cluster: Option<Cluster>,
    pub nodes: BTreeMap<String, Node>,
    pub services: BTreeMap<String, Service>,
    pub tasks: BTreeMap<String, Task>,
    /// Swarm secrets, data included (the raft log and snapshots are encrypted at rest).
    /// Absent from snapshots written before secrets existed.
    #[serde(default)]
    pub secrets: BTreeMap<String, Secret>,
    /// Swarm configs, data included (absent from snapshots written before configs existed).
    #[serde(default)]
    pub configs: BTreeMap<String, shoal_api::Config>,
    /// Swarm networks (absent from snapshots written before networks existed).
    #[serde(default)]
    pub networks: BTreeMap<String, shoal_api::network::Network>,
    /// The cluster's root CA (certificate and key), so every manager can issue node
    /// certificates. Never returned by the API.
    #[serde(default)]
    pub ca: Option<CaRecord>,
    /// The managers' unlock key (`SWMKEY-1-...`) while autolock is on. Only
    /// `GET /swarm/unlockkey` shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unlock_key: Option<String>,
    /// A root CA rotation in progress (`swarm ca --rotate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_rotation: Option<CaRotation>,
}

/// A root CA rotation: nodes first trust both roots, then get certificates from the new one,
/// then trust only the new one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CaRotation {
    pub next: CaRecord,
    /// Every live node trusts both roots: certificates now come from the new one.
    pub issuing: bool,
}

/// The root CA as kept in the replicated state.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CaRecord {
    pub cert_pem: String,
    pub key_pem: String,
}

impl std::fmt::Debug for CaRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaRecord")
            .field("key_pem", &"<redacted>")
            .finish()
    }
}

impl State {
    pub fn service_by_name(&self, name: &str) -> Option<&Service> {
        self.services.values().find(|s| s.spec.name == name)
    }

    pub fn secret_by_name(&self, name: &str) -> Option<&Secret> {
        self.secrets.values().find(|s| s.spec.name == name)
    }

    pub fn tasks_of_service<'a>(&'a self, service_id: &'a str) -> impl Iterator<Item = &'a Task> {
        self.tasks
            .values()
            .filter(move |t| t.service_id == service_id)
    }

    pub fn tasks_on_node<'a>(&'a self, node_id: &'a str) -> impl Iterator<Item = &'a Task> {
        self.tasks.values().filter(move |t| t.node_id == node_id)
    }
}
