//! The whole replicated state: one map per object kind, plus read helpers.

use serde::{Deserialize, Serialize};
use shoal_api::network::Network;
use shoal_api::{Cluster, Node, Secret, Service, Task, Version};
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

/// One of the state's collections of objects (a map of one kind, or the single cluster),
/// seen without its object type: for work that treats every collection alike, through
/// [`State::collections_mut`].
pub(crate) trait Collection {
    /// How many objects it holds (for the tests that check every collection is covered).
    #[cfg(test)]
    fn len(&self) -> usize;
    /// The versions of its objects; objects without one (networks) have none here.
    fn versions_mut(&mut self) -> Vec<&mut Version>;
}

/// An object kept in the state, with the version of its last write if it has one.
trait Object {
    fn version_mut(&mut self) -> Option<&mut Version>;
}

impl Object for Cluster {
    fn version_mut(&mut self) -> Option<&mut Version> {
        Some(&mut self.version)
    }
}

impl Object for Node {
    fn version_mut(&mut self) -> Option<&mut Version> {
        Some(&mut self.version)
    }
}

impl Object for Service {
    fn version_mut(&mut self) -> Option<&mut Version> {
        Some(&mut self.version)
    }
}

impl Object for Task {
    fn version_mut(&mut self) -> Option<&mut Version> {
        Some(&mut self.version)
    }
}

/// Also configs (`shoal_api::Config` is the same type).
impl Object for Secret {
    fn version_mut(&mut self) -> Option<&mut Version> {
        Some(&mut self.version)
    }
}

/// Docker's `NetworkResource` has no version.
impl Object for Network {
    fn version_mut(&mut self) -> Option<&mut Version> {
        None
    }
}

impl<T: Object> Collection for BTreeMap<String, T> {
    #[cfg(test)]
    fn len(&self) -> usize {
        BTreeMap::len(self)
    }

    fn versions_mut(&mut self) -> Vec<&mut Version> {
        self.values_mut().filter_map(T::version_mut).collect()
    }
}

impl<T: Object> Collection for Option<T> {
    #[cfg(test)]
    fn len(&self) -> usize {
        usize::from(self.is_some())
    }

    fn versions_mut(&mut self) -> Vec<&mut Version> {
        self.iter_mut().filter_map(T::version_mut).collect()
    }
}

impl State {
    /// Every collection of objects in the state, each once (what [`crate::Op::Restore`]
    /// re-versions).
    ///
    /// Why none can be missed: `State` is destructured below without `..`, so adding a field
    /// to `State` breaks the build here until the field is named. A named field is then
    /// either returned, which needs its objects to implement `Object` (a decision about their
    /// version), or ignored with `field: _` next to the reason; naming it and doing neither
    /// leaves an unused variable, which this function denies. Whoever adds a collection must
    /// therefore decide here, once, for every visitor of the collections.
    #[deny(unused_variables)]
    pub(crate) fn collections_mut(&mut self) -> [&mut dyn Collection; 7] {
        let State {
            // Not objects: the applied raft index, and cluster-wide records without a version
            // (written only together with the cluster, whose version covers them).
            index: _,
            ca: _,
            unlock_key: _,
            ca_rotation: _,
            cluster,
            nodes,
            services,
            tasks,
            secrets,
            configs,
            networks,
        } = self;
        [cluster, nodes, services, tasks, secrets, configs, networks]
    }

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
