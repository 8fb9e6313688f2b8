//! What every handler can reach: the node runtime and static facts about the daemon.

use shoal_node::NodeRuntime;
use std::sync::Arc;

/// Facts about this daemon for `/version` and `/info`.
#[derive(Debug, Clone, Default)]
pub struct DaemonInfo {
    pub version: String,
    pub hostname: String,
    pub os: String,
    pub arch: String,
    pub kernel: String,
    pub ncpu: i64,
    pub mem_total: i64,
    pub executor: String,
    pub data_dir: String,
}

#[derive(Clone)]
pub struct AppState {
    pub runtime: Arc<NodeRuntime>,
    pub info: Arc<DaemonInfo>,
}
