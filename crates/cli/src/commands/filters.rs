//! `--filter key=value` flags, turned into the API's `filters=` JSON
//! (`{"name":{"web":true}}`) the way docker's `FilterOpt` does.

use super::errors::{StatusError, Usage};
use std::collections::BTreeMap;

/// Filter values by key; every value maps to `true` on the wire.
pub type Filters = BTreeMap<String, BTreeMap<String, bool>>;

/// Parses repeated `-f key=value` flags: keys are lower-cased and both
/// sides trimmed; an empty flag is ignored.
pub fn parse(values: &[String], usage: &Usage) -> Result<Filters, StatusError> {
    let mut filters = Filters::new();
    for value in values {
        if value.is_empty() {
            continue;
        }
        let Some((k, v)) = value.split_once('=') else {
            return Err(usage.flag_error(
                "-f, --filter",
                value,
                "bad format of filter (expected name=value)",
            ));
        };
        add(&mut filters, &k.trim().to_lowercase(), v.trim());
    }
    Ok(filters)
}

pub fn add(filters: &mut Filters, key: &str, value: &str) {
    filters
        .entry(key.to_string())
        .or_default()
        .insert(value.to_string(), true);
}

/// The `filters=` query value.
pub fn to_json(filters: &Filters) -> String {
    serde_json::to_string(filters).unwrap_or_else(|_| "{}".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LS: Usage = Usage::new("shoal service ls", "shoal service ls [OPTIONS]");

    #[test]
    fn parses_and_encodes() {
        let f = parse(
            &[
                "name=web".to_string(),
                " Mode = global ".to_string(),
                "name=api".to_string(),
                String::new(),
            ],
            &LS,
        )
        .unwrap();
        assert_eq!(
            to_json(&f),
            r#"{"mode":{"global":true},"name":{"api":true,"web":true}}"#
        );
    }

    #[test]
    fn rejects_missing_equals() {
        let e = parse(&["web".to_string()], &LS).unwrap_err();
        assert_eq!(e.code, 125);
        assert!(e.message.starts_with(
            "invalid argument \"web\" for \"-f, --filter\" flag: bad format of filter (expected name=value)\n"
        ));
    }
}
