//! `service update` flags applied to the service's current spec, in
//! docker/cli's order (its `updateService`). Only what a flag names
//! changes; everything else is sent back as it came.

use super::container::{self, ResourceOpts};
use super::file_refs;
use super::flags::UpdateFlags;
use super::mounts::{parse_mount, update_mounts};
use super::parts;
use super::ports::{parse_publish, update_ports};
use super::typed::{from_json, to_json};
use crate::commands::display::tagged_image;
use crate::commands::errors::Usage;
use crate::commands::flags::{kv_map, validate_env, validate_label, FlagParser};
use serde_json::{json, Value};
use shoal_api::{EndpointSpec, ModeKind, Placement, ServiceSpec};
use shoal_gocompat::shlex;

pub const USAGE: Usage = Usage::new(
    "shoal service update",
    "shoal service update [OPTIONS] SERVICE",
);

/// Checks the flags and the argument count before anything is fetched.
/// Flag errors are [`crate::commands::StatusError`]s (exit 125).
pub fn check(
    flags: &UpdateFlags,
    lookup_env: &dyn Fn(&str) -> Option<String>,
) -> crate::commands::CliResult<Checked> {
    let p = FlagParser { usage: &USAGE };
    let common = p.common(&flags.common)?;
    let checked = Checked {
        args: p.opt("--args", &flags.args, shlex::split)?,
        label_add: p.each("--label-add", &flags.label_add, validate_label)?,
        container_label_add: p.each(
            "--container-label-add",
            &flags.container_label_add,
            validate_label,
        )?,
        env_add: p.each("--env-add", &flags.env_add, |v| validate_env(v, lookup_env))?,
        publish_add: p
            .each("--publish-add", &flags.publish_add, parse_publish)?
            .concat(),
        publish_rm: p
            .each("--publish-rm", &flags.publish_rm, parse_publish)?
            .concat(),
        mount_add: p.each("--mount-add", &flags.mount_add, parse_mount)?,
        pref_add: p.each(
            "--placement-pref-add",
            &flags.placement_pref_add,
            parts::placement_pref,
        )?,
        pref_rm: p.each(
            "--placement-pref-rm",
            &flags.placement_pref_rm,
            parts::placement_pref,
        )?,
        common,
    };
    USAGE.check_args(flags.service.len(), 1, Some(1))?;
    if flags.rollback && flags.changes_spec() {
        return Err(anyhow::anyhow!("other flags may not be combined with --rollback").into());
    }
    Ok(checked)
}

/// Flag values parsed and validated.
#[derive(Debug, Clone)]
pub struct Checked {
    pub common: super::parse::Common,
    pub args: Option<Vec<String>>,
    pub label_add: Vec<String>,
    pub container_label_add: Vec<String>,
    pub env_add: Vec<String>,
    pub publish_add: Vec<shoal_api::PortConfig>,
    pub publish_rm: Vec<shoal_api::PortConfig>,
    pub mount_add: Vec<Value>,
    pub pref_add: Vec<Value>,
    pub pref_rm: Vec<Value>,
}

fn remove_keys(map: &mut std::collections::BTreeMap<String, String>, keys: &[String]) {
    for k in keys {
        map.remove(k);
    }
}

/// Applies the update to `spec`. Errors are plain (exit 1).
pub fn apply(
    spec: &mut ServiceSpec,
    flags: &UpdateFlags,
    c: &Checked,
) -> crate::commands::CliResult<()> {
    let common = &c.common;
    remove_keys(&mut spec.labels, &flags.label_rm);
    spec.labels.extend(kv_map(&c.label_add));

    let task = &mut spec.task_template;
    let cs = &mut task.container_spec;
    remove_keys(&mut cs.labels, &flags.container_label_rm);
    cs.labels.extend(kv_map(&c.container_label_add));
    if let Some(image) = &flags.image {
        cs.image = image.clone();
    }
    if let Some(args) = &c.args {
        cs.args = args.clone();
    }
    if let Some(cmd) = &common.entrypoint {
        cs.command = cmd.clone();
    }
    cs.env = container::update_env(&cs.env, &c.env_add, &flags.env_rm);
    if let Some(v) = &common.workdir {
        cs.dir = v.clone();
    }
    if let Some(v) = &common.user {
        cs.user = v.clone();
    }
    if let Some(v) = &common.hostname {
        cs.hostname = v.clone();
    }
    if let Some(v) = common.init {
        cs.extra.insert("Init".into(), json!(v));
    }
    if !c.mount_add.is_empty() || !flags.mount_rm.is_empty() {
        let existing: Vec<Value> = cs.mounts.iter().flatten().map(to_json).collect();
        let mounts =
            update_mounts(&existing, &c.mount_add, &flags.mount_rm).map_err(anyhow::Error::msg)?;
        cs.mounts = Some(from_json("--mount", json!(mounts))?);
    }
    for (kind, add, rm) in [
        (file_refs::Kind::Secret, &flags.secret_add, &flags.secret_rm),
        (file_refs::Kind::Config, &flags.config_add, &flags.config_rm),
    ] {
        if add.is_empty() && rm.is_empty() {
            continue;
        }
        let existing: Vec<Value> = match kind {
            file_refs::Kind::Secret => cs.secrets.iter().flatten().map(to_json).collect(),
            file_refs::Kind::Config => cs.configs.iter().flatten().map(to_json).collect(),
        };
        let refs = json!(file_refs::update(kind, &existing, add, rm).map_err(anyhow::Error::msg)?);
        match kind {
            file_refs::Kind::Secret => cs.secrets = Some(from_json("--secret", refs)?),
            file_refs::Kind::Config => cs.configs = Some(from_json("--config", refs)?),
        }
    }

    let resources = container::resources(
        &ResourceOpts {
            limit_cpu: common.limit_cpu,
            limit_memory: common.limit_memory,
            limit_pids: common.limit_pids,
            reserve_cpu: common.reserve_cpu,
            reserve_memory: common.reserve_memory,
        },
        Some(
            task.resources
                .take()
                .map_or_else(|| json!({}), |r| to_json(&r)),
        ),
    )
    .filter(|r| r.as_object().is_some_and(|m| !m.is_empty()));
    task.resources = resources.map(|r| from_json("resources", r)).transpose()?;
    if let Some(g) = common.stop_grace {
        task.container_spec.stop_grace_period = Some(g);
    }
    task.restart_policy = parts::restart_policy(&common.restart, task.restart_policy.take())
        .map_err(anyhow::Error::msg)?;

    if !flags.constraint_add.is_empty() || !flags.constraint_rm.is_empty() {
        let placement = task.placement.get_or_insert_with(Placement::default);
        placement
            .constraints
            .extend(flags.constraint_add.iter().cloned());
        placement
            .constraints
            .retain(|c| !flags.constraint_rm.contains(c));
        // Sorted so that the result does not depend on flag order.
        placement.constraints.sort();
    }
    if !c.pref_add.is_empty() || !c.pref_rm.is_empty() {
        let placement = task.placement.get_or_insert_with(Placement::default);
        placement
            .preferences
            .retain(|p| !c.pref_rm.contains(&to_json(p)));
        for p in &c.pref_add {
            placement
                .preferences
                .push(from_json("--placement-pref-add", p.clone())?);
        }
    }
    if let Some(n) = common.replicas {
        match spec.mode.kind() {
            ModeKind::Replicated(_) if spec.mode.replicated.is_some() => {
                spec.mode = shoal_api::ServiceMode::replicated(n);
            }
            _ => {
                return Err(
                    anyhow::anyhow!("replicas can only be used with replicated mode").into(),
                )
            }
        }
    }
    if let Some(m) = common.max_replicas {
        task.placement
            .get_or_insert_with(Placement::default)
            .max_replicas = (m > 0).then_some(m);
    }

    spec.update_config = parts::update_config(&common.update, spec.update_config.take(), false)
        .map_err(anyhow::Error::msg)?;
    spec.rollback_config =
        parts::update_config(&common.rollback, spec.rollback_config.take(), true)
            .map_err(anyhow::Error::msg)?;

    if let Some(mode) = &common.endpoint_mode {
        spec.endpoint_spec
            .get_or_insert_with(EndpointSpec::default)
            .mode = mode.clone();
    }
    if !c.publish_add.is_empty() || !c.publish_rm.is_empty() {
        let ep = spec.endpoint_spec.get_or_insert_with(EndpointSpec::default);
        ep.ports = update_ports(&ep.ports, &c.publish_add, &c.publish_rm);
    }
    let task = &mut spec.task_template;
    if flags.force {
        task.force_update += 1;
    }
    let cs = &mut task.container_spec;
    let base = cs.healthcheck.take().map(|h| to_json(&h));
    if let Some(hc) =
        container::update_healthcheck(&common.health, base).map_err(anyhow::Error::msg)?
    {
        cs.healthcheck = Some(from_json("health check", hc)?);
    }
    for (key, v) in [("TTY", common.tty), ("ReadOnly", common.read_only)] {
        match v {
            Some(true) => {
                cs.extra.insert(key.into(), json!(true));
            }
            Some(false) => {
                cs.extra.remove(key);
            }
            None => {}
        }
    }
    // docker's client tags the image on every update it sends.
    cs.image = tagged_image(&cs.image);
    if let Some(sig) = &common.stop_signal {
        if sig.is_empty() {
            cs.extra.remove("StopSignal");
        } else {
            cs.extra.insert("StopSignal".into(), json!(sig));
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "update_spec_tests.rs"]
mod tests;
