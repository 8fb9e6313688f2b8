//! `filters=` query parameters: parsing both wire forms and matching objects.

use super::ControlError;
use std::collections::BTreeMap;

/// Filter key -> accepted values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters(pub BTreeMap<String, Vec<String>>);

impl Filters {
    /// Parses `{"key":{"value":true}}` (docker CLI) or `{"key":["value"]}` (docker-py);
    /// refuses keys outside `allowed` with Docker's `invalid filter 'key'`.
    pub fn parse(raw: Option<&str>, allowed: &[&str]) -> Result<Filters, ControlError> {
        let mut out = BTreeMap::new();
        let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
            return Ok(Filters(out));
        };
        let v: serde_json::Value = serde_json::from_str(raw)
            .map_err(|e| ControlError::InvalidArgument(format!("invalid filter: {e}")))?;
        let obj = v
            .as_object()
            .ok_or_else(|| ControlError::InvalidArgument("invalid filter: not an object".into()))?;
        for (k, vals) in obj {
            if !allowed.contains(&k.as_str()) {
                return Err(ControlError::InvalidArgument(format!(
                    "invalid filter '{k}'"
                )));
            }
            let list: Vec<String> = match vals {
                serde_json::Value::Object(m) => m.keys().cloned().collect(),
                serde_json::Value::Array(a) => a
                    .iter()
                    .map(|x| {
                        x.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| x.to_string())
                    })
                    .collect(),
                serde_json::Value::String(s) => vec![s.clone()],
                _ => Vec::new(),
            };
            out.insert(k.clone(), list);
        }
        Ok(Filters(out))
    }

    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.0.get(key).map(Vec::as_slice).filter(|v| !v.is_empty())
    }

    /// No values for `key`, or `pred` holds for one of them.
    pub fn any(&self, key: &str, pred: impl Fn(&str) -> bool) -> bool {
        self.get(key)
            .is_none_or(|vals| vals.iter().any(|v| pred(v)))
    }

    /// Label filters: `k` (has key) or `k=v` (equal); all given must hold.
    pub fn labels(&self, key: &str, labels: &shoal_api::Labels) -> bool {
        self.get(key).is_none_or(|vals| {
            vals.iter().all(|f| match f.split_once('=') {
                Some((k, v)) => labels.get(k).is_some_and(|x| x == v),
                None => labels.contains_key(f.as_str()),
            })
        })
    }
}

/// Docker's boolean query values: "", 0, no, false, none (any case) are false.
pub fn query_bool(v: Option<&str>) -> bool {
    match v {
        None => false,
        Some(s) => !matches!(
            s.to_ascii_lowercase().as_str(),
            "" | "0" | "no" | "false" | "none"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_wire_forms_parse() {
        let a = Filters::parse(Some(r#"{"name":{"web":true}}"#), &["name"]).unwrap();
        let b = Filters::parse(Some(r#"{"name":["web"]}"#), &["name"]).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.get("name"), Some(&["web".to_string()][..]));
    }

    #[test]
    fn unknown_key_is_refused_in_dockers_words() {
        let e = Filters::parse(Some(r#"{"colour":["red"]}"#), &["name"]).unwrap_err();
        assert_eq!(
            e,
            ControlError::InvalidArgument("invalid filter 'colour'".into())
        );
    }

    #[test]
    fn query_bools() {
        for f in ["", "0", "no", "FALSE", "None"] {
            assert!(!query_bool(Some(f)), "{f}");
        }
        for t in ["1", "true", "yes", "x"] {
            assert!(query_bool(Some(t)), "{t}");
        }
        assert!(!query_bool(None));
    }
}
