//! `/services`: create, list, inspect, update (and rollback), remove.

use crate::body::{flag, json, reply, version, Query};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query as Q, State};
use axum::response::Response;
use serde_json::json as j;
use shoal_api::ServiceSpec;
use shoal_manager::control::filters::Filters;
use shoal_manager::control::services;

pub async fn create(State(st): State<AppState>, body: Bytes) -> ApiResult<Response> {
    let m = st.runtime.manager()?;
    let spec: ServiceSpec = json(&body)?;
    let id = services::create(&m, spec).await?;
    Ok(reply(201, &j!({ "ID": id, "Warnings": [] })))
}

pub async fn list(State(st): State<AppState>, Q(q): Q<Query>) -> ApiResult<Response> {
    let m = st.runtime.manager()?;
    let f = Filters::parse(q.get("filters").map(String::as_str), services::FILTERS)?;
    Ok(reply(200, &services::list(&m, &f, flag(&q, "status"))))
}

pub async fn inspect(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Q(q): Q<Query>,
) -> ApiResult<Response> {
    let m = st.runtime.manager()?;
    let s = services::inspect(&m, &id, flag(&q, "insertDefaults"))?;
    Ok(reply(200, &s))
}

pub async fn update(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Q(q): Q<Query>,
    body: Bytes,
) -> ApiResult<Response> {
    let m = st.runtime.manager()?;
    let spec: ServiceSpec = json(&body)?;
    let rollback = match q.get("rollback").map(String::as_str) {
        None | Some("") => false,
        Some("previous") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "unrecognized rollback option {other}"
            )))
        }
    };
    services::update(&m, &id, version(&q)?, spec, rollback).await?;
    Ok(reply(200, &j!({ "Warnings": [] })))
}

pub async fn remove(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let m = st.runtime.manager()?;
    services::remove(&m, &id).await?;
    Ok(reply(200, &serde_json::Value::Null))
}
