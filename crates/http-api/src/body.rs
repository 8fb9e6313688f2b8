//! Request bodies and query strings, decoded with Docker-style error messages.

use crate::error::ApiError;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::HashMap;

/// Drops `null` members: Go clients send `null` for empty maps and slices, which means
/// "unset", the same as a missing key.
fn strip_nulls(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(strip_nulls);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// Members whose values are free-form maps: their keys are data, never field names.
const FREE_FORM: &[&str] = &["Labels", "Options", "DriverOpts", "Sysctls", "Annotations"];

/// Docker decodes field names case-insensitively (docker-py sends `{"order": ...}` for
/// `Order`); ours are PascalCase, so a lowercase first letter is raised, except inside maps
/// whose keys are data.
fn canonical_keys(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            let entries = std::mem::take(m);
            for (k, mut val) in entries {
                let key = match k.chars().next() {
                    Some(c) if c.is_ascii_lowercase() => {
                        let mut s = c.to_ascii_uppercase().to_string();
                        s.push_str(&k[1..]);
                        s
                    }
                    _ => k,
                };
                if !FREE_FORM.contains(&key.as_str()) {
                    canonical_keys(&mut val);
                }
                m.insert(key, val);
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(canonical_keys),
        _ => {}
    }
}

/// Decodes a JSON body; an empty body decodes as `{}`.
pub fn json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let raw: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    let bad = |e: serde_json::Error| ApiError::bad_request(format!("invalid JSON: {e}"));
    let mut v: serde_json::Value = serde_json::from_slice(raw).map_err(bad)?;
    strip_nulls(&mut v);
    canonical_keys(&mut v);
    serde_json::from_value(v).map_err(bad)
}

/// A JSON response with the given status.
pub fn reply<T: Serialize>(status: u16, value: &T) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

pub type Query = HashMap<String, String>;

/// Docker's boolean query values.
pub fn flag(q: &Query, key: &str) -> bool {
    shoal_manager::control::filters::query_bool(q.get(key).map(String::as_str))
}

/// The `version` query parameter updates require.
pub fn version(q: &Query) -> Result<u64, ApiError> {
    let raw = q.get("version").map(String::as_str).unwrap_or("");
    raw.parse::<u64>().map_err(|_| {
        ApiError::bad_request(format!(
            "invalid version {raw:?}: give the object's current Version.Index as ?version="
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_matched_case_insensitively_but_labels_are_data() {
        let spec: shoal_api::ServiceSpec = json(
            br#"{"name":"web","labels":{"lower.key":"v"},"UpdateConfig":{"order":"start-first","Parallelism":2},"TaskTemplate":{"ContainerSpec":{"Image":"x","Labels":{"a":"b"}}},"Mode":null}"#,
        )
        .unwrap();
        assert_eq!(spec.name, "web");
        assert_eq!(spec.labels.get("lower.key").map(String::as_str), Some("v"));
        let uc = spec.update_config.unwrap();
        assert_eq!(uc.order.as_deref(), Some("start-first"));
        assert_eq!(uc.parallelism, 2);
    }
}
