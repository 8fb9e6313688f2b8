//! The container-level pieces of a `ServiceSpec` that `create` builds and
//! `update` edits: environment (with env files), resource limits and
//! reservations, and the health check; pure, worded and defaulted as
//! docker/cli does.

use super::parse::HealthOpts;
use serde_json::{json, Map, Value};

/// Parses an env file's text like docker's `kvfile`: blank and `#` lines
/// skipped, `KEY=value` kept verbatim, a bare `KEY` filled from the
/// environment (or dropped when unset there).
pub fn parse_env_file(
    name: &str,
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let raw = if n == 0 {
            raw.trim_start_matches('\u{feff}')
        } else {
            raw
        };
        let line = raw.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, has_value) = match line.split_once('=') {
            Some((k, _)) => (k, true),
            None => (line, false),
        };
        let invalid = |why: String| format!("invalid env file ({name}): {why}");
        if key.is_empty() {
            return Err(invalid(format!("no variable name on line '{line}'")));
        }
        if key.contains([' ', '\t']) {
            return Err(invalid(format!("variable '{key}' contains whitespaces")));
        }
        if has_value {
            out.push(line.to_string());
        } else if let Some(v) = lookup(line) {
            out.push(format!("{key}={v}"));
        }
    }
    Ok(out)
}

fn env_key(kv: &str) -> &str {
    kv.split_once('=').map_or(kv, |(k, _)| k)
}

/// docker's `makeEnv`: env-file entries, then `-e` entries; a later value
/// for a key replaces the earlier one (moving it to the end).
pub fn merge_env(entries: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut env: Vec<String> = Vec::new();
    for e in entries {
        if env.contains(&e) {
            continue;
        }
        let key = env_key(&e).to_string();
        env.retain(|cur| !cur.starts_with(&format!("{key}=")));
        env.push(e);
    }
    env
}

/// `--env-rm` then `--env-add` on an existing list. docker rebuilds the
/// list from a map (random order); here existing keys keep their place
/// and new ones are appended.
pub fn update_env(existing: &[String], add: &[String], remove: &[String]) -> Vec<String> {
    let mut env: Vec<String> = existing
        .iter()
        .filter(|e| !remove.iter().any(|r| r == env_key(e)))
        .cloned()
        .collect();
    for a in add {
        match env.iter_mut().find(|e| env_key(e) == env_key(a)) {
            Some(slot) => *slot = a.clone(),
            None => env.push(a.clone()),
        }
    }
    env
}

/// Sets or clears (when zero, as Go's `omitempty` drops it) one field.
fn set_or_clear(obj: &mut Map<String, Value>, key: &str, v: i64) {
    if v == 0 {
        obj.remove(key);
    } else {
        obj.insert(key.to_string(), json!(v));
    }
}

fn section<'a>(res: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let v = res.entry(key).or_insert_with(|| json!({}));
    if !v.is_object() {
        *v = json!({});
    }
    match v {
        Value::Object(m) => m,
        _ => unreachable!("replaced by an object above"),
    }
}

/// Resource limits and reservations. On create `base` is `None` and docker
/// always sends both sections (empty when no flag is given); on update
/// only the sections whose flags were given are touched.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResourceOpts {
    pub limit_cpu: Option<i64>,
    pub limit_memory: Option<i64>,
    pub limit_pids: Option<i64>,
    pub reserve_cpu: Option<i64>,
    pub reserve_memory: Option<i64>,
}

/// The task's `Resources` after the flags: see [`ResourceOpts`].
pub fn resources(opts: &ResourceOpts, base: Option<Value>) -> Option<Value> {
    let creating = base.is_none();
    let limits =
        opts.limit_cpu.is_some() || opts.limit_memory.is_some() || opts.limit_pids.is_some();
    let reservations = opts.reserve_cpu.is_some() || opts.reserve_memory.is_some();
    if !creating && !limits && !reservations {
        return base;
    }
    let mut res = match base {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    if creating || limits {
        let l = section(&mut res, "Limits");
        for (key, v) in [
            ("NanoCPUs", opts.limit_cpu),
            ("MemoryBytes", opts.limit_memory),
            ("Pids", opts.limit_pids),
        ] {
            if let Some(v) = v {
                set_or_clear(l, key, v);
            }
        }
    }
    if creating || reservations {
        let r = section(&mut res, "Reservations");
        for (key, v) in [
            ("NanoCPUs", opts.reserve_cpu),
            ("MemoryBytes", opts.reserve_memory),
        ] {
            if let Some(v) = v {
                set_or_clear(r, key, v);
            }
        }
    }
    Some(Value::Object(res))
}

/// The health check for `create` (docker's `toHealthConfig`).
pub fn create_healthcheck(h: &HealthOpts) -> Result<Option<Value>, String> {
    if h.no_healthcheck {
        if h.any_setting() {
            return Err("--no-healthcheck conflicts with --health-* options".to_string());
        }
        return Ok(Some(json!({"Test": ["NONE"]})));
    }
    if !h.any_setting() {
        return Ok(None);
    }
    let mut hc = Map::new();
    if let Some(cmd) = h.cmd.as_deref().filter(|c| !c.is_empty()) {
        hc.insert("Test".into(), json!(["CMD-SHELL", cmd]));
    }
    apply_health_numbers(&mut hc, h);
    Ok(Some(Value::Object(hc)))
}

fn apply_health_numbers(hc: &mut Map<String, Value>, h: &HealthOpts) {
    for (key, v) in [
        ("Interval", h.interval),
        ("Timeout", h.timeout),
        ("StartPeriod", h.start_period),
        ("StartInterval", h.start_interval),
        ("Retries", h.retries),
    ] {
        if let Some(v) = v {
            set_or_clear(hc, key, v);
        }
    }
}

/// The health check for `update` (docker's `updateHealthcheck`).
pub fn update_healthcheck(h: &HealthOpts, base: Option<Value>) -> Result<Option<Value>, String> {
    if !h.no_healthcheck && !h.any_setting() {
        return Ok(base);
    }
    if h.no_healthcheck {
        if h.any_setting() {
            return Err("--no-healthcheck conflicts with --health-* options".to_string());
        }
        return Ok(Some(json!({"Test": ["NONE"]})));
    }
    let mut hc = match base {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    if hc
        .get("Test")
        .and_then(|t| t.get(0))
        .and_then(Value::as_str)
        == Some("NONE")
    {
        hc.remove("Test");
    }
    apply_health_numbers(&mut hc, h);
    if let Some(cmd) = &h.cmd {
        if cmd.is_empty() {
            hc.remove("Test");
        } else {
            hc.insert("Test".into(), json!(["CMD-SHELL", cmd]));
        }
    }
    Ok(Some(Value::Object(hc)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_files() {
        let lookup = |k: &str| (k == "HOME").then(|| "/root".to_string());
        let text = "\u{feff}# comment\n\n  A=1\nB= spaced \nHOME\nUNSET\n";
        assert_eq!(
            parse_env_file("f.env", text, &lookup).unwrap(),
            vec!["A=1", "B= spaced ", "HOME=/root"]
        );
        assert_eq!(
            parse_env_file("f.env", "=x\n", &lookup).unwrap_err(),
            "invalid env file (f.env): no variable name on line '=x'"
        );
        assert_eq!(
            parse_env_file("f.env", "A B=1\n", &lookup).unwrap_err(),
            "invalid env file (f.env): variable 'A B' contains whitespaces"
        );
    }

    #[test]
    fn env_merge_and_update() {
        let merged = merge_env(["A=1", "B=2", "A=3", "B=2"].map(String::from));
        assert_eq!(merged, vec!["B=2", "A=3"]);
        let updated = update_env(
            &["A=1".into(), "B=2".into(), "C=3".into()],
            &["B=20".into(), "D=4".into()],
            &["C".into()],
        );
        assert_eq!(updated, vec!["A=1", "B=20", "D=4"]);
    }

    #[test]
    fn resource_sections() {
        let none = ResourceOpts::default();
        assert_eq!(
            resources(&none, None),
            Some(json!({"Limits": {}, "Reservations": {}}))
        );
        let opts = ResourceOpts {
            limit_cpu: Some(500_000_000),
            limit_memory: Some(1 << 20),
            ..Default::default()
        };
        assert_eq!(
            resources(&opts, None),
            Some(
                json!({"Limits": {"NanoCPUs": 500000000, "MemoryBytes": 1048576}, "Reservations": {}})
            )
        );
        // Update: untouched sections stay, zero clears.
        let base = json!({"Limits": {"NanoCPUs": 1}, "Reservations": {"MemoryBytes": 5}});
        let upd = ResourceOpts {
            limit_cpu: Some(0),
            ..Default::default()
        };
        assert_eq!(
            resources(&upd, Some(base.clone())),
            Some(json!({"Limits": {}, "Reservations": {"MemoryBytes": 5}}))
        );
        assert_eq!(resources(&none, Some(base.clone())), Some(base));
    }

    #[test]
    fn healthchecks() {
        let h = HealthOpts {
            cmd: Some("curl -f localhost".into()),
            interval: Some(5_000_000_000),
            retries: Some(3),
            ..Default::default()
        };
        assert_eq!(
            create_healthcheck(&h),
            Ok(Some(
                json!({"Test": ["CMD-SHELL", "curl -f localhost"], "Interval": 5000000000i64, "Retries": 3})
            ))
        );
        let none = HealthOpts {
            no_healthcheck: true,
            ..Default::default()
        };
        assert_eq!(
            create_healthcheck(&none),
            Ok(Some(json!({"Test": ["NONE"]})))
        );
        let conflict = HealthOpts {
            no_healthcheck: true,
            retries: Some(1),
            ..Default::default()
        };
        assert_eq!(
            create_healthcheck(&conflict),
            Err("--no-healthcheck conflicts with --health-* options".into())
        );
        // Update drops NONE when settings are given.
        let upd = HealthOpts {
            timeout: Some(1_000_000_000),
            ..Default::default()
        };
        assert_eq!(
            update_healthcheck(&upd, Some(json!({"Test": ["NONE"]}))),
            Ok(Some(json!({"Timeout": 1000000000})))
        );
    }
}
