//! `/_ping`, `/version`, `/info` and `/distribution` (which shoal cannot answer: no registry).

use crate::body::reply;
use crate::error::ApiError;
use crate::state::AppState;
use crate::version::{API_VERSION, MIN_API_VERSION};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use shoal_node::LocalState;

fn swarm_header(st: &AppState) -> &'static str {
    match st.runtime.local() {
        LocalState::Inactive => "inactive",
        LocalState::Worker { .. } => "active/worker",
        LocalState::Active { .. } => "active/manager",
        LocalState::Locked { .. } => "locked",
    }
}

pub async fn ping(State(st): State<AppState>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache, no-store, must-revalidate"),
            (header::PRAGMA, "no-cache"),
        ],
        [("Swarm", swarm_header(&st)), ("Builder-Version", "1")],
        "OK",
    )
        .into_response()
}

pub async fn version(State(st): State<AppState>) -> Response {
    let i = &st.info;
    reply(
        200,
        &json!({
            "Platform": { "Name": "shoal" },
            "Components": [{
                "Name": "Engine",
                "Version": i.version,
                "Details": {
                    "ApiVersion": API_VERSION,
                    "MinAPIVersion": MIN_API_VERSION,
                    "Os": i.os, "Arch": i.arch, "KernelVersion": i.kernel,
                    "Executor": i.executor,
                }
            }],
            "Version": i.version,
            "ApiVersion": API_VERSION,
            "MinAPIVersion": MIN_API_VERSION,
            "GitCommit": "",
            "GoVersion": "n/a (rust)",
            "Os": i.os,
            "Arch": i.arch,
            "KernelVersion": i.kernel,
            "BuildTime": "",
        }),
    )
}

pub async fn info(State(st): State<AppState>) -> Response {
    let i = &st.info;
    let swarm = match st.runtime.local() {
        LocalState::Inactive => json!({
            "NodeID": "", "NodeAddr": "", "LocalNodeState": "inactive",
            "ControlAvailable": false, "Error": "", "RemoteManagers": null,
        }),
        LocalState::Locked { node_id, addr } => json!({
            "NodeID": node_id,
            "NodeAddr": addr.split(':').next().unwrap_or_default(),
            "LocalNodeState": "locked",
            "ControlAvailable": false,
            "Error": "",
            "RemoteManagers": null,
        }),
        LocalState::Worker { node_id, addr } => json!({
            "NodeID": node_id,
            "NodeAddr": addr.split(':').next().unwrap_or_default(),
            "LocalNodeState": "active",
            "ControlAvailable": false,
            "Error": "",
            "RemoteManagers": null,
        }),
        LocalState::Active {
            node_id,
            addr,
            manager,
        } => {
            let state = manager.read();
            let managers = state
                .nodes
                .values()
                .filter(|n| n.spec.role == shoal_api::NodeRole::Manager)
                .map(|n| json!({ "NodeID": n.id, "Addr": n.manager_status.as_ref().map(|m| m.addr.clone()).unwrap_or_default() }))
                .collect::<Vec<_>>();
            json!({
                "NodeID": node_id,
                "NodeAddr": addr.split(':').next().unwrap_or_default(),
                "LocalNodeState": "active",
                "ControlAvailable": true,
                "Error": "",
                "RemoteManagers": managers,
                "Nodes": state.nodes.len(),
                "Managers": managers.len(),
                "Cluster": state.cluster,
            })
        }
    };
    reply(
        200,
        &json!({
            "ID": "",
            "Containers": 0, "ContainersRunning": 0, "ContainersPaused": 0, "ContainersStopped": 0,
            "Images": 0,
            "Driver": i.executor,
            "DriverStatus": [],
            "Plugins": { "Volume": [], "Network": [], "Authorization": null, "Log": [] },
            "MemoryLimit": true, "SwapLimit": false, "CpuCfsPeriod": true, "CpuCfsQuota": true,
            "IPv4Forwarding": true,
            "Debug": false,
            "NFd": 0, "NGoroutines": 0,
            "SystemTime": shoal_api::Timestamp::now().to_rfc3339(),
            "LoggingDriver": "json-file",
            "CgroupDriver": "none",
            "NEventsListener": 0,
            "KernelVersion": i.kernel,
            "OperatingSystem": "shoal",
            "OSType": i.os,
            "Architecture": i.arch,
            "NCPU": i.ncpu,
            "MemTotal": i.mem_total,
            "IndexServerAddress": "",
            "RegistryConfig": null,
            "DockerRootDir": i.data_dir,
            "Name": i.hostname,
            "Labels": [],
            "ExperimentalBuild": false,
            "ServerVersion": i.version,
            "Runtimes": {},
            "DefaultRuntime": i.executor,
            "Swarm": swarm,
            "LiveRestoreEnabled": false,
            "Isolation": "",
            "SecurityOptions": [],
            "Warnings": [],
        }),
    )
}

/// Shoal keeps no registry client: the CLI only warns and lets each node resolve the image.
pub async fn distribution() -> ApiError {
    ApiError::new(
        404,
        "shoal does not resolve image digests: each node uses its local copy of the image",
    )
}
