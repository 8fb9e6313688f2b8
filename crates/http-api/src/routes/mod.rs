//! The route table: one module per resource.

mod configs;
mod logs;
mod networks;
mod nodes;
mod secrets;
mod services;
mod swarm;
mod system;
mod tasks;

use crate::error::ApiError;
use crate::state::AppState;
use crate::version;
use axum::routing::{get, post};
use axum::Router;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/_ping", get(system::ping))
        .route("/version", get(system::version))
        .route("/info", get(system::info))
        .route("/swarm", get(swarm::inspect))
        .route("/swarm/init", post(swarm::init))
        .route("/swarm/join", post(swarm::join))
        .route("/swarm/leave", post(swarm::leave))
        .route("/swarm/update", post(swarm::update))
        .route("/swarm/unlockkey", get(swarm::unlock_key))
        .route("/swarm/unlock", post(swarm::unlock))
        .route("/nodes", get(nodes::list))
        .route("/nodes/{id}", get(nodes::inspect).delete(nodes::remove))
        .route("/nodes/{id}/update", post(nodes::update))
        .route("/services", get(services::list))
        .route("/services/create", post(services::create))
        .route(
            "/services/{id}",
            get(services::inspect).delete(services::remove),
        )
        .route("/services/{id}/update", post(services::update))
        .route("/services/{id}/logs", get(logs::service))
        .route("/configs", get(configs::list))
        .route("/configs/create", post(configs::create))
        .route(
            "/configs/{id}",
            get(configs::inspect).delete(configs::remove),
        )
        .route("/configs/{id}/update", post(configs::update))
        .route("/networks", get(networks::list))
        .route("/networks/create", post(networks::create))
        .route(
            "/networks/{id}",
            get(networks::inspect).delete(networks::remove),
        )
        .route("/secrets", get(secrets::list))
        .route("/secrets/create", post(secrets::create))
        .route(
            "/secrets/{id}",
            get(secrets::inspect).delete(secrets::remove),
        )
        .route("/secrets/{id}/update", post(secrets::update))
        .route("/tasks", get(tasks::list))
        .route("/tasks/{id}", get(tasks::inspect))
        .route("/tasks/{id}/logs", get(logs::task))
        .route("/distribution/{*name}", get(system::distribution))
        .route(
            "/__unsupported_version/{v}",
            axum::routing::any(version::unsupported),
        )
        .fallback(not_found)
        .layer(axum::middleware::map_response(version::headers))
        .with_state(state)
}

/// Unknown paths. Engine-only endpoints (containers, images, volumes...) get a message that
/// says why: shoal is a swarm manager, not a container engine.
async fn not_found(uri: axum::http::Uri) -> ApiError {
    let path = uri.path();
    let engine_only = [
        "/containers",
        "/images",
        "/volumes",
        "/build",
        "/system/df",
        "/exec",
    ];
    let bare = path.trim_start_matches('/');
    let bare = match bare.split_once('/') {
        Some((v, rest)) if v.starts_with('v') && v[1..].contains('.') => rest,
        _ => bare,
    };
    if engine_only
        .iter()
        .any(|p| bare.starts_with(p.trim_start_matches('/')))
    {
        return ApiError::new(
            404,
            format!(
                "page not found: shoal serves the swarm API (services, nodes, tasks, networks, \
                 secrets, configs), not a container engine's; /{bare} is the engine's, on each node"
            ),
        );
    }
    ApiError::new(404, "page not found")
}
