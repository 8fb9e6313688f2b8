//! `/nodes`: list, inspect, update, remove.

use crate::body::{flag, json, reply, version, Query};
use crate::error::ApiResult;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query as Q, State};
use axum::response::Response;
use shoal_api::NodeSpec;
use shoal_manager::control::filters::Filters;
use shoal_manager::control::nodes;

pub async fn list(State(st): State<AppState>, Q(q): Q<Query>) -> ApiResult<Response> {
    let m = st.runtime.manager()?;
    let f = Filters::parse(q.get("filters").map(String::as_str), nodes::FILTERS)?;
    Ok(reply(200, &nodes::list(&m, &f)))
}

pub async fn inspect(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let m = st.runtime.manager()?;
    Ok(reply(200, &nodes::inspect(&m, &id)?))
}

pub async fn update(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Q(q): Q<Query>,
    body: Bytes,
) -> ApiResult<Response> {
    let m = st.runtime.manager()?;
    let spec: NodeSpec = json(&body)?;
    nodes::update(&m, &id, version(&q)?, spec).await?;
    Ok(reply(200, &serde_json::Value::Null))
}

pub async fn remove(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Q(q): Q<Query>,
) -> ApiResult<Response> {
    let m = st.runtime.manager()?;
    nodes::remove(&m, &id, flag(&q, "force")).await?;
    Ok(reply(200, &serde_json::Value::Null))
}
