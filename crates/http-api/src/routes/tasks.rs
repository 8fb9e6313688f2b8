//! `/tasks`: list with filters, inspect.

use crate::body::{reply, Query};
use crate::error::ApiResult;
use crate::state::AppState;
use axum::extract::{Path, Query as Q, State};
use axum::response::Response;
use shoal_manager::control::filters::Filters;
use shoal_manager::control::tasks;

pub async fn list(State(st): State<AppState>, Q(q): Q<Query>) -> ApiResult<Response> {
    let m = st.runtime.manager()?;
    let f = Filters::parse(q.get("filters").map(String::as_str), tasks::FILTERS)?;
    Ok(reply(200, &tasks::list(&m, &f)?))
}

pub async fn inspect(State(st): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let m = st.runtime.manager()?;
    Ok(reply(200, &tasks::inspect(&m, &id)?))
}
