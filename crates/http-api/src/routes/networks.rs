//! `/networks`: create, list, inspect, remove swarm networks (Docker's JSON: `Id`).

use crate::body::{json, reply, Query};
use crate::error::ApiResult;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query as Q, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json as j;
use shoal_api::network::NetworkCreate;
use shoal_manager::control::filters::Filters;
use shoal_manager::control::networks;

pub async fn create(State(st): State<AppState>, body: Bytes) -> ApiResult<Response> {
    let m = st.runtime.manager()?;
    let req: NetworkCreate = json(&body)?;
    let id = networks::create(&m, req).await?;
    Ok(reply(201, &j!({ "Id": id, "Warning": "" })))
}

pub async fn list(State(st): State<AppState>, Q(q): Q<Query>) -> ApiResult<Response> {
    let m = st.runtime.manager()?;
    let f = Filters::parse(q.get("filters").map(String::as_str), networks::FILTERS)?;
    Ok(reply(200, &networks::list(&m, &f)))
}

pub async fn inspect(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let m = st.runtime.manager()?;
    Ok(reply(200, &networks::inspect(&m, &id)?))
}

pub async fn remove(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let m = st.runtime.manager()?;
    networks::remove(&m, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
