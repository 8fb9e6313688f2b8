//! `service update [OPTIONS] SERVICE`: fetches the service, applies the
//! flags ([`super::update_spec`]), sends the whole spec back with its
//! version (and `rollback=previous` for `--rollback`), prints the service
//! as named and follows the update.

use super::create::warnings;
use super::flags::UpdateFlags;
use super::ls::path;
use super::progress::wait_on_service;
use super::update_spec::{apply, check};
use crate::client::with_query;
use crate::commands::Ctx;
use serde_json::Value;
use shoal_api::Service;

pub async fn run(ctx: &mut Ctx, flags: UpdateFlags) -> crate::commands::CliResult {
    let checked = check(&flags, &|k| std::env::var(k).ok())?;
    let reference = flags.service[0].clone();
    let mut service: Service = ctx.client.get_json(&path(&reference)).await?;
    apply(&mut service.spec, &flags, &checked)?;
    let mut query = vec![("version", service.version.index.to_string())];
    if flags.rollback {
        query.push(("rollback", "previous".to_string()));
    }
    let url = with_query(&format!("{}/update", path(&service.id)), query);
    let resp: Value = ctx
        .client
        .post_json(&url, &service.spec)
        .await?
        .json()
        .unwrap_or(Value::Null);
    warnings(ctx, &resp)?;
    ctx.println(&reference)?;
    if flags.common.detach {
        return Ok(());
    }
    wait_on_service(ctx, &reference, flags.common.quiet).await
}
