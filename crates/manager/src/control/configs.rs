//! Config operations: create, list, inspect, update (labels only), remove. Unlike secrets,
//! a config's data is returned by the API (as Docker does).

use super::filters::Filters;
use super::references::Kind::Config as Configs;
use super::secrets::matches;
use super::{resolve_id, single, ControlError};
use crate::ids::new_id;
use crate::manager::Manager;
use shoal_api::secret::validate_config_spec;
use shoal_api::{Config, ConfigSpec};
use shoal_store::{Kind, Op};

/// Docker's config list filters (the same as for secrets).
pub const FILTERS: &[&str] = super::secrets::FILTERS;

/// Creates a config; returns its ID.
pub async fn create(m: &Manager, spec: ConfigSpec) -> Result<String, ControlError> {
    validate_config_spec(&spec).map_err(ControlError::invalid)?;
    let config = Config {
        id: new_id(),
        spec,
        ..Default::default()
    };
    let id = config.id.clone();
    single(m.propose(vec![Op::CreateConfig(Box::new(config))]).await?)?;
    Ok(id)
}

pub fn list(m: &Manager, f: &Filters) -> Vec<Config> {
    m.read()
        .configs
        .values()
        .filter(|c| matches(f, c))
        .cloned()
        .collect()
}

pub fn inspect(m: &Manager, reference: &str) -> Result<Config, ControlError> {
    let st = m.read();
    let id = resolve_id(&st, Kind::Config, reference)?;
    Ok(st.configs[&id].clone())
}

pub async fn update(
    m: &Manager,
    reference: &str,
    version: u64,
    spec: ConfigSpec,
) -> Result<(), ControlError> {
    super::references::update_labels(m, Configs, reference, version, spec).await
}

pub async fn remove(m: &Manager, reference: &str) -> Result<(), ControlError> {
    super::references::remove(m, Configs, reference).await
}
