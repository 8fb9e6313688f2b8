//! `service create` flags to the `ServiceSpec` docker/cli would send
//! (its `ToService`): bad flag values fail first with exit status 125,
//! then contradictions (mode vs. replicas, health flags, job configs)
//! with docker's messages.

use super::container::{self, ResourceOpts};
use super::file_refs;
use super::flags::CreateFlags;
use super::mounts::parse_mount;
use super::parts;
use super::ports::parse_publish;
use super::typed::from_json;
use crate::commands::display::tagged_image;
use crate::commands::errors::Usage;
use crate::commands::flags::{kv_map, validate_env, validate_label, FlagParser};
use serde_json::{json, Value};
use shoal_api::{ContainerSpec, EndpointSpec, Placement, ServiceSpec, TaskSpec};

pub const USAGE: Usage = Usage::new(
    "shoal service create",
    "shoal service create [OPTIONS] IMAGE [COMMAND] [ARG...]",
);

/// The process environment and file system, as far as building a spec
/// needs them (replaced by fakes in tests).
pub struct World<'a> {
    /// `os.LookupEnv`, for `-e KEY` and env files.
    pub lookup_env: &'a dyn Fn(&str) -> Option<String>,
    /// Reads an `--env-file`; the error is shown as is.
    pub read_file: &'a dyn Fn(&str) -> Result<String, String>,
}

impl World<'static> {
    pub fn process() -> World<'static> {
        World {
            lookup_env: &|k| std::env::var(k).ok(),
            read_file: &|path| {
                std::fs::read_to_string(path).map_err(|e| match e.kind() {
                    std::io::ErrorKind::NotFound => {
                        format!("open {path}: no such file or directory")
                    }
                    _ => format!("open {path}: {e}"),
                })
            },
        }
    }
}

/// `--network` values (docker's `NetworkOpt`): a name, or
/// `name=<n>,alias=<a>,driver-opt=<k=v>`. `Target` is resolved to an ID by
/// the caller.
pub fn parse_network(value: &str) -> Result<Value, String> {
    if !value.contains('=') {
        return Ok(json!({"Target": value}));
    }
    let mut target = String::new();
    let mut aliases = Vec::new();
    let mut driver_opts = serde_json::Map::new();
    for field in shoal_gocompat::csv::fields(value)? {
        let (key, val) = field
            .split_once('=')
            .ok_or_else(|| format!("invalid field '{field}' must be a key=value pair"))?;
        match key.to_lowercase().as_str() {
            "name" => target = val.to_string(),
            "alias" => aliases.push(val.to_string()),
            "driver-opt" => {
                let (k, v) = val
                    .split_once('=')
                    .ok_or_else(|| "invalid key value pair format in driver options".to_string())?;
                driver_opts.insert(k.trim().to_lowercase(), json!(v.trim()));
            }
            other => return Err(format!("invalid field key {other}")),
        }
    }
    let mut net = json!({"Target": target});
    if !aliases.is_empty() {
        net["Aliases"] = json!(aliases);
    }
    if !driver_opts.is_empty() {
        net["DriverOpts"] = Value::Object(driver_opts);
    }
    Ok(net)
}

/// Builds the spec. Errors are either a [`crate::commands::StatusError`]
/// (flag errors, exit 125) or plain (exit 1).
pub fn create_spec(
    flags: &CreateFlags,
    world: &World<'_>,
) -> crate::commands::CliResult<ServiceSpec> {
    let p = FlagParser { usage: &USAGE };
    let common = p.common(&flags.common)?;
    let labels = p.each("-l, --label", &flags.label, validate_label)?;
    let container_labels = p.each("--container-label", &flags.container_label, validate_label)?;
    let env_flags = p.each("-e, --env", &flags.env, |v| {
        validate_env(v, world.lookup_env)
    })?;
    let ports: Vec<_> = p
        .each("-p, --publish", &flags.publish, parse_publish)?
        .into_iter()
        .flatten()
        .collect();
    let mounts = p.each("--mount", &flags.mount, parse_mount)?;
    let prefs = p.each(
        "--placement-pref",
        &flags.placement_pref,
        parts::placement_pref,
    )?;
    let networks = p.each("--network", &flags.network, parse_network)?;
    USAGE.check_args(flags.args.len(), 1, None)?;
    // Hyphen values are allowed after IMAGE (they belong to the command), but a flag the
    // parser did not know, before IMAGE, is an unknown flag as in docker (not an image).
    if flags.args[0].starts_with('-') {
        let name = flags.args[0]
            .split('=')
            .next()
            .unwrap_or_default()
            .to_string();
        let shown = if name.starts_with("--") {
            format!("unknown flag: {name}")
        } else {
            format!(
                "unknown shorthand flag: {:?} in {name}",
                name.chars().nth(1).unwrap_or('-')
            )
        };
        return Err(USAGE.bad_flags(shown).into());
    }

    let mut env = Vec::new();
    for file in &flags.env_file {
        let text = (world.read_file)(file).map_err(anyhow::Error::msg)?;
        env.extend(
            container::parse_env_file(file, &text, world.lookup_env).map_err(anyhow::Error::msg)?,
        );
    }
    env.extend(env_flags);
    let env = container::merge_env(env);

    let healthcheck = container::create_healthcheck(&common.health).map_err(anyhow::Error::msg)?;
    let mode = parts::service_mode(
        &flags.mode,
        common.replicas,
        common.max_concurrent,
        common.replicas_max_per_node(),
    )
    .map_err(anyhow::Error::msg)?;
    let update_config =
        parts::update_config(&common.update, None, false).map_err(anyhow::Error::msg)?;
    let rollback_config =
        parts::update_config(&common.rollback, None, true).map_err(anyhow::Error::msg)?;
    if parts::is_job(&mode) && (update_config.is_some() || rollback_config.is_some()) {
        return Err(
            anyhow::anyhow!("update and rollback configuration is not supported for jobs").into(),
        );
    }
    let restart_policy =
        parts::restart_policy(&common.restart, None).map_err(anyhow::Error::msg)?;
    let resources = container::resources(
        &ResourceOpts {
            limit_cpu: common.limit_cpu,
            limit_memory: common.limit_memory,
            limit_pids: common.limit_pids,
            reserve_cpu: common.reserve_cpu,
            reserve_memory: common.reserve_memory,
        },
        None,
    );

    let mut cs = ContainerSpec {
        image: tagged_image(&flags.args[0]),
        labels: kv_map(&container_labels),
        command: common.entrypoint.clone().unwrap_or_default(),
        args: flags.args[1..].to_vec(),
        hostname: common.hostname.clone().unwrap_or_default(),
        env,
        dir: common.workdir.clone().unwrap_or_default(),
        user: common.user.clone().unwrap_or_default(),
        stop_grace_period: common.stop_grace,
        ..Default::default()
    };
    // Fields shoal's model keeps verbatim, sent as docker sends them.
    if let Some(s) = common.stop_signal.clone().filter(|s| !s.is_empty()) {
        cs.extra.insert("StopSignal".into(), json!(s));
    }
    if common.tty == Some(true) {
        cs.extra.insert("TTY".into(), json!(true));
    }
    if common.read_only == Some(true) {
        cs.extra.insert("ReadOnly".into(), json!(true));
    }
    if !mounts.is_empty() {
        cs.mounts = Some(from_json("--mount", json!(mounts))?);
    }
    for (kind, values) in [
        (file_refs::Kind::Secret, &flags.secret),
        (file_refs::Kind::Config, &flags.config),
    ] {
        if !values.is_empty() {
            let refs = values
                .iter()
                .map(|v| file_refs::parse(kind, v))
                .collect::<Result<Vec<_>, _>>()
                .map_err(anyhow::Error::msg)?;
            match kind {
                file_refs::Kind::Secret => cs.secrets = Some(from_json("--secret", json!(refs))?),
                file_refs::Kind::Config => cs.configs = Some(from_json("--config", json!(refs))?),
            }
        }
    }
    if let Some(hc) = healthcheck {
        cs.healthcheck = Some(from_json("health check", hc)?);
    }
    cs.extra
        .insert("Init".into(), json!(common.init.unwrap_or(false)));
    cs.extra.insert("DNSConfig".into(), json!({}));

    let mut task = TaskSpec {
        container_spec: cs,
        resources: resources.map(|r| from_json("resources", r)).transpose()?,
        restart_policy,
        placement: Some(Placement {
            constraints: flags.constraint.clone(),
            preferences: from_json("--placement-pref", json!(prefs))?,
            max_replicas: common.replicas_max_per_node(),
            ..Default::default()
        }),
        ..Default::default()
    };
    if !networks.is_empty() {
        task.networks = Some(from_json("--network", json!(networks))?);
    }

    Ok(ServiceSpec {
        name: flags.name.clone().unwrap_or_default(),
        labels: kv_map(&labels),
        task_template: task,
        mode,
        update_config,
        rollback_config,
        endpoint_spec: Some(EndpointSpec {
            mode: common
                .endpoint_mode
                .as_deref()
                .unwrap_or("vip")
                .to_lowercase(),
            ports,
        }),
        ..Default::default()
    })
}

#[cfg(test)]
#[path = "spec_tests.rs"]
mod tests;
