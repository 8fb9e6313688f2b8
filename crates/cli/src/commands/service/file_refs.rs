//! `--secret` / `--config` (and `--secret-add|rm`, `--config-add|rm`): a secret or config
//! given to a service's tasks, as docker's `SecretOpt` / `ConfigOpt` parse it. The daemon
//! resolves the name to the object's ID.

use serde_json::{json, Value};

/// Secrets or configs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Secret,
    Config,
}

impl Kind {
    /// The `ContainerSpec` member holding the references.
    pub fn key(self) -> &'static str {
        match self {
            Kind::Secret => "Secrets",
            Kind::Config => "Configs",
        }
    }

    fn name_key(self) -> &'static str {
        match self {
            Kind::Secret => "SecretName",
            Kind::Config => "ConfigName",
        }
    }
}

/// `NAME` or `source=NAME[,target=PATH][,uid=N][,gid=N][,mode=0444]`.
pub fn parse(kind: Kind, value: &str) -> Result<Value, String> {
    let (mut source, mut target) = (String::new(), String::new());
    let (mut uid, mut gid, mut mode) = ("0".to_string(), "0".to_string(), 0o444u32);
    if !value.contains('=') {
        source = value.to_string();
    } else {
        for field in value.split(',') {
            let Some((k, v)) = field.split_once('=') else {
                return Err(format!("invalid field '{field}' must be a key=value pair"));
            };
            match k.trim().to_ascii_lowercase().as_str() {
                "source" | "src" => source = v.to_string(),
                "target" => target = v.to_string(),
                "uid" => uid = v.to_string(),
                "gid" => gid = v.to_string(),
                "mode" => {
                    mode = u32::from_str_radix(v, 8)
                        .map_err(|_| format!("invalid mode specified: {v}"))?;
                }
                other => return Err(format!("invalid field in {} request: {other}", kind.key())),
            }
        }
    }
    if source.is_empty() {
        return Err(format!("source is required in {value:?}"));
    }
    if target.is_empty() {
        target = source.clone();
    }
    Ok(json!({
        "File": {"Name": target, "UID": uid, "GID": gid, "Mode": mode},
        kind.name_key(): source,
    }))
}

/// The references after `--*-add` (replacing one with the same target) and `--*-rm` (by
/// name).
pub fn update(
    kind: Kind,
    existing: &[Value],
    add: &[String],
    rm: &[String],
) -> Result<Vec<Value>, String> {
    let name_of = |v: &Value| {
        v.get(kind.name_key())
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let target_of = |v: &Value| {
        v.pointer("/File/Name")
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let mut out: Vec<Value> = existing
        .iter()
        .filter(|v| !rm.contains(&name_of(v)))
        .cloned()
        .collect();
    for a in add {
        let new = parse(kind, a)?;
        out.retain(|v| target_of(v) != target_of(&new));
        out.push(new);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_forms() {
        assert_eq!(
            parse(Kind::Secret, "db_pw").unwrap(),
            json!({"File": {"Name": "db_pw", "UID": "0", "GID": "0", "Mode": 292}, "SecretName": "db_pw"})
        );
        assert_eq!(
            parse(
                Kind::Config,
                "source=app,target=/etc/app.conf,mode=0400,uid=10"
            )
            .unwrap(),
            json!({"File": {"Name": "/etc/app.conf", "UID": "10", "GID": "0", "Mode": 256}, "ConfigName": "app"})
        );
        assert!(parse(Kind::Secret, "target=/x").is_err());
        assert!(parse(Kind::Secret, "source=a,mode=9z").is_err());
        assert!(parse(Kind::Secret, "source=a,colour=red").is_err());
    }

    #[test]
    fn add_replaces_by_target_and_rm_by_name() {
        let existing = vec![
            parse(Kind::Secret, "a").unwrap(),
            parse(Kind::Secret, "b").unwrap(),
        ];
        let out = update(
            Kind::Secret,
            &existing,
            &["source=c,target=a".into()],
            &["b".into()],
        )
        .unwrap();
        assert_eq!(out, vec![parse(Kind::Secret, "source=c,target=a").unwrap()]);
    }
}
