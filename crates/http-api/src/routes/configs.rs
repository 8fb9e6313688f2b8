//! `/configs`: create, list, inspect, update (labels only), remove; configs are returned with
//! their data.

use crate::body::{json, reply, version, Query};
use crate::error::ApiResult;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query as Q, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json as j;
use shoal_api::ConfigSpec;
use shoal_manager::control::configs;
use shoal_manager::control::filters::Filters;

pub async fn create(State(st): State<AppState>, body: Bytes) -> ApiResult<Response> {
    let m = st.runtime.manager()?;
    let spec: ConfigSpec = json(&body)?;
    let id = configs::create(&m, spec).await?;
    Ok(reply(201, &j!({ "ID": id })))
}

pub async fn list(State(st): State<AppState>, Q(q): Q<Query>) -> ApiResult<Response> {
    let m = st.runtime.manager()?;
    let f = Filters::parse(q.get("filters").map(String::as_str), configs::FILTERS)?;
    Ok(reply(200, &configs::list(&m, &f)))
}

pub async fn inspect(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let m = st.runtime.manager()?;
    Ok(reply(200, &configs::inspect(&m, &id)?))
}

pub async fn update(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Q(q): Q<Query>,
    body: Bytes,
) -> ApiResult<Response> {
    let m = st.runtime.manager()?;
    let spec: ConfigSpec = json(&body)?;
    configs::update(&m, &id, version(&q)?, spec).await?;
    Ok(StatusCode::OK.into_response())
}

pub async fn remove(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let m = st.runtime.manager()?;
    configs::remove(&m, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
