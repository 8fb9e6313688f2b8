//! `--mount` / `--mount-add` values (docker's `MountOpt`): comma-separated
//! `key=value` fields such as `type=bind,source=/data,target=/data,ro`,
//! turned into the API's `Mount` objects; and `--mount-rm` by target.

use serde_json::{json, Map, Value};
use shoal_gocompat::csv;
use shoal_gocompat::units::ram_in_bytes;

/// Parses one `--mount` value into a `Mount` JSON object.
pub fn parse_mount(value: &str) -> Result<Value, String> {
    let mut m = Map::new();
    let mut kind = "volume".to_string();
    let mut target = String::new();
    let mut volume = Map::new();
    let mut bind = Map::new();
    let mut tmpfs = Map::new();
    let parse_bool = |key: &str, v: &str| -> Result<bool, String> {
        match v {
            "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
            "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
            _ => Err(format!("invalid value for {key}: {v}")),
        }
    };
    for field in csv::fields(value)? {
        let Some((key, val)) = field.split_once('=') else {
            match field.to_lowercase().as_str() {
                "readonly" | "ro" => {
                    m.insert("ReadOnly".into(), json!(true));
                }
                "volume-nocopy" => {
                    volume.insert("NoCopy".into(), json!(true));
                }
                _ => return Err(format!("invalid field '{field}' must be a key=value pair")),
            }
            continue;
        };
        let key = key.to_lowercase();
        match key.as_str() {
            "type" => kind = val.to_lowercase(),
            "source" | "src" => {
                m.insert("Source".into(), json!(absolute_source(val)));
            }
            "target" | "dst" | "destination" => target = val.to_string(),
            "readonly" | "ro" => {
                m.insert("ReadOnly".into(), json!(parse_bool(&key, val)?));
            }
            "consistency" => {
                m.insert("Consistency".into(), json!(val.to_lowercase()));
            }
            "bind-propagation" => {
                bind.insert("Propagation".into(), json!(val.to_lowercase()));
            }
            "volume-nocopy" => {
                let b = parse_bool(&key, val)
                    .map_err(|_| format!("invalid value for volume-nocopy: {val}"))?;
                volume.insert("NoCopy".into(), json!(b));
            }
            "volume-label" => insert_kv(&mut volume, "Labels", val),
            "volume-driver" => {
                driver(&mut volume).insert("Name".into(), json!(val));
            }
            "volume-opt" => {
                let (k, v) = val.split_once('=').unwrap_or((val, ""));
                if !k.is_empty() {
                    let opts = driver(&mut volume)
                        .entry("Options")
                        .or_insert_with(|| json!({}));
                    opts[k] = json!(v);
                }
            }
            "tmpfs-size" => {
                let size =
                    ram_in_bytes(val).map_err(|_| format!("invalid value for {key}: {val}"))?;
                tmpfs.insert("SizeBytes".into(), json!(size));
            }
            "tmpfs-mode" => {
                let mode = u32::from_str_radix(val, 8)
                    .map_err(|_| format!("invalid value for {key}: {val}"))?;
                tmpfs.insert("Mode".into(), json!(mode));
            }
            _ => return Err(format!("unexpected key '{key}' in '{field}'")),
        }
    }
    if kind.is_empty() {
        return Err("type is required".to_string());
    }
    if target.is_empty() {
        return Err("target is required".to_string());
    }
    for (opts, prefix, wanted) in [
        (&volume, "volume", "volume"),
        (&bind, "bind", "bind"),
        (&tmpfs, "tmpfs", "tmpfs"),
    ] {
        if !opts.is_empty() && kind != wanted {
            return Err(format!(
                "cannot mix '{prefix}-*' options with mount type '{kind}'"
            ));
        }
    }
    let mut out = Map::new();
    out.insert("Type".into(), json!(kind));
    if let Some(s) = m.remove("Source") {
        out.insert("Source".into(), s);
    }
    out.insert("Target".into(), json!(target));
    out.extend(m);
    for (name, opts) in [
        ("BindOptions", bind),
        ("VolumeOptions", volume),
        ("TmpfsOptions", tmpfs),
    ] {
        if !opts.is_empty() {
            out.insert(name.into(), Value::Object(opts));
        }
    }
    Ok(Value::Object(out))
}

/// docker makes a relative `./x` source absolute.
fn absolute_source(val: &str) -> String {
    if val.starts_with('.') {
        if let Ok(cwd) = std::env::current_dir() {
            return cwd.join(val).display().to_string();
        }
    }
    val.to_string()
}

fn insert_kv(obj: &mut Map<String, Value>, field: &str, kv: &str) {
    let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
    if !k.is_empty() {
        obj.entry(field).or_insert_with(|| json!({}))[k] = json!(v);
    }
}

fn driver(volume: &mut Map<String, Value>) -> &mut Map<String, Value> {
    match volume.entry("DriverConfig").or_insert_with(|| json!({})) {
        Value::Object(m) => m,
        _ => unreachable!("DriverConfig is always inserted as an object"),
    }
}

fn target_of(m: &Value) -> &str {
    m.get("Target").and_then(Value::as_str).unwrap_or_default()
}

fn source_of(m: &Value) -> &str {
    m.get("Source").and_then(Value::as_str).unwrap_or_default()
}

/// docker's `updateMounts`: added mounts replace ones with the same
/// target, `--mount-rm` targets go, the result is sorted by source then
/// target.
pub fn update_mounts(
    existing: &[Value],
    add: &[Value],
    remove: &[String],
) -> Result<Vec<Value>, String> {
    let mut by_target: Vec<Value> = Vec::new();
    for m in add {
        if by_target.iter().any(|x| target_of(x) == target_of(m)) {
            return Err("duplicate mount target".to_string());
        }
        by_target.push(m.clone());
    }
    for m in existing {
        if !by_target.iter().any(|x| target_of(x) == target_of(m)) {
            by_target.push(m.clone());
        }
    }
    by_target.retain(|m| !remove.iter().any(|r| r == target_of(m)));
    by_target.sort_by(|a, b| (source_of(a), target_of(a)).cmp(&(source_of(b), target_of(b))));
    Ok(by_target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_mounts() {
        assert_eq!(
            parse_mount("type=bind,source=/data,target=/srv,readonly").unwrap(),
            json!({"Type": "bind", "Source": "/data", "Target": "/srv", "ReadOnly": true})
        );
        assert_eq!(
            parse_mount("source=vol,target=/v,volume-label=a=b,volume-driver=local").unwrap(),
            json!({"Type": "volume", "Source": "vol", "Target": "/v",
                   "VolumeOptions": {"Labels": {"a": "b"}, "DriverConfig": {"Name": "local"}}})
        );
        assert_eq!(
            parse_mount("type=tmpfs,dst=/tmp,tmpfs-size=1m,tmpfs-mode=1777").unwrap(),
            json!({"Type": "tmpfs", "Target": "/tmp", "TmpfsOptions": {"SizeBytes": 1048576, "Mode": 1023}})
        );
        let errors = [
            ("source=/a", "target is required"),
            (
                "type=bind,target=/a,volume-nocopy",
                "cannot mix 'volume-*' options with mount type 'bind'",
            ),
            ("target=/a,bogus=1", "unexpected key 'bogus' in 'bogus=1'"),
            (
                "target=/a,rw",
                "invalid field 'rw' must be a key=value pair",
            ),
            ("target=/a,ro=maybe", "invalid value for ro: maybe"),
        ];
        for (input, want) in errors {
            assert_eq!(parse_mount(input).unwrap_err(), want, "{input}");
        }
    }

    #[test]
    fn updates_mounts() {
        let a = json!({"Type": "volume", "Source": "a", "Target": "/a"});
        let b = json!({"Type": "volume", "Source": "b", "Target": "/b"});
        let a2 = json!({"Type": "volume", "Source": "z", "Target": "/a"});
        let got = update_mounts(&[b.clone(), a], std::slice::from_ref(&a2), &[]).unwrap();
        assert_eq!(got, vec![b.clone(), a2.clone()]);
        let got = update_mounts(&[b.clone(), a2], &[], &["/a".to_string()]).unwrap();
        assert_eq!(got, vec![b]);
    }
}
