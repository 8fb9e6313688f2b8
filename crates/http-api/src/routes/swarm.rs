//! `/swarm`: init, inspect, update, leave.

use crate::body::{flag, json, reply, version, Query};
use crate::error::ApiResult;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Query as Q, State};
use axum::response::Response;
use serde::Deserialize;
use shoal_api::{Availability, SwarmSpec};
use shoal_manager::control::swarm;
use shoal_node::{InitRequest, JoinRequest};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct InitBody {
    listen_addr: String,
    advertise_addr: String,
    force_new_cluster: bool,
    spec: Option<SwarmSpec>,
    availability: Option<Availability>,
    default_addr_pool: Vec<String>,
    subnet_size: u32,
    data_path_port: u32,
    data_path_addr: String,
}

pub async fn init(State(st): State<AppState>, body: Bytes) -> ApiResult<Response> {
    let b: InitBody = json(&body)?;
    let req = InitRequest {
        listen_addr: b.listen_addr,
        advertise_addr: b.advertise_addr,
        force_new_cluster: b.force_new_cluster,
        spec: b.spec,
        availability: b.availability,
        default_addr_pool: b.default_addr_pool,
        subnet_size: b.subnet_size,
        data_path_port: b.data_path_port,
        data_path_addr: b.data_path_addr,
    };
    let node_id = st.runtime.init(req).await?;
    Ok(reply(200, &node_id))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
struct JoinBody {
    listen_addr: String,
    advertise_addr: String,
    remote_addrs: Vec<String>,
    join_token: String,
    availability: Option<Availability>,
}

pub async fn join(State(st): State<AppState>, body: Bytes) -> ApiResult<Response> {
    let b: JoinBody = json(&body)?;
    st.runtime
        .join(JoinRequest {
            listen_addr: b.listen_addr,
            advertise_addr: b.advertise_addr,
            remote_addrs: b.remote_addrs,
            join_token: b.join_token,
            availability: b.availability,
        })
        .await?;
    Ok(reply(200, &serde_json::Value::Null))
}

pub async fn inspect(State(st): State<AppState>) -> ApiResult<Response> {
    let m = st.runtime.manager()?;
    Ok(reply(200, &swarm::inspect(&m)?))
}

pub async fn update(
    State(st): State<AppState>,
    Q(q): Q<Query>,
    body: Bytes,
) -> ApiResult<Response> {
    let m = st.runtime.manager()?;
    let spec: SwarmSpec = json(&body)?;
    swarm::update(
        &m,
        version(&q)?,
        spec,
        swarm::Rotate {
            worker_token: flag(&q, "rotateWorkerToken"),
            manager_token: flag(&q, "rotateManagerToken"),
            manager_unlock_key: flag(&q, "rotateManagerUnlockKey"),
        },
    )
    .await?;
    Ok(reply(200, &serde_json::Value::Null))
}

/// `GET /swarm/unlockkey`.
pub async fn unlock_key(State(st): State<AppState>) -> ApiResult<Response> {
    let m = st.runtime.manager()?;
    Ok(reply(
        200,
        &serde_json::json!({ "UnlockKey": swarm::unlock_key(&m)? }),
    ))
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct UnlockRequest {
    unlock_key: String,
}

/// `POST /swarm/unlock` {UnlockKey}.
pub async fn unlock(State(st): State<AppState>, body: Bytes) -> ApiResult<Response> {
    let req: UnlockRequest = json(&body)?;
    st.runtime.unlock(&req.unlock_key).await?;
    Ok(reply(200, &serde_json::Value::Null))
}

pub async fn leave(State(st): State<AppState>, Q(q): Q<Query>) -> ApiResult<Response> {
    st.runtime.leave(flag(&q, "force")).await?;
    Ok(reply(200, &serde_json::Value::Null))
}
