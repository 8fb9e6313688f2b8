//! Flag helpers the subcommands share: [`FlagParser`] turns flag strings
//! into typed values and words a failure as docker's flag error (exit
//! status 125, `invalid argument "x" for "--flag" flag: <Go's reason>`),
//! plus the value parsers and validators of docker's `opts` package that
//! more than one command uses (Go durations, labels, environment
//! variables, `KEY=VALUE` maps).

use crate::commands::errors::{StatusError, Usage};
use shoal_gocompat::duration::parse_go_duration;

/// Parses flag values for one command, naming it in errors.
pub struct FlagParser<'a> {
    pub usage: &'a Usage,
}

type Parse<T> = fn(&str) -> Result<T, String>;

impl FlagParser<'_> {
    /// Applies `parse` to a given flag; `flag` is named as pflag names it.
    pub fn opt<T>(
        &self,
        flag: &str,
        value: &Option<String>,
        parse: Parse<T>,
    ) -> Result<Option<T>, StatusError> {
        value
            .as_deref()
            .map(|v| parse(v).map_err(|why| self.usage.flag_error(flag, v, why)))
            .transpose()
    }

    /// Applies `parse` to every value of a repeated flag.
    pub fn each<T>(
        &self,
        flag: &str,
        values: &[String],
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Vec<T>, StatusError> {
        values
            .iter()
            .map(|v| parse(v).map_err(|why| self.usage.flag_error(flag, v, why)))
            .collect()
    }
}

/// Go's `time.ParseDuration`, in nanoseconds.
pub fn duration(s: &str) -> Result<i64, String> {
    parse_go_duration(s).map(|d| d.0).map_err(|e| e.to_string())
}

/// docker's `PositiveDurationOpt`.
pub fn positive_duration(s: &str) -> Result<i64, String> {
    let d = duration(s)?;
    if d < 0 {
        return Err("duration cannot be negative".to_string());
    }
    Ok(d)
}

/// docker's `ValidateLabel`: a non-empty key without blanks.
pub fn validate_label(value: &str) -> Result<String, String> {
    let key = value.split_once('=').map_or(value, |(k, _)| k);
    let key = key.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    if key.is_empty() {
        return Err(format!("invalid label '{value}': empty name"));
    }
    if key.contains([' ', '\t', '\n', '\r', '\x0b', '\x0c']) {
        return Err(format!("label '{key}' contains whitespaces"));
    }
    Ok(value.to_string())
}

/// docker's `ValidateEnv`: `KEY=value` as is; a bare `KEY` takes its value
/// from the environment when set there.
pub fn validate_env(
    value: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, String> {
    let (key, has_value) = match value.split_once('=') {
        Some((k, _)) => (k, true),
        None => (value, false),
    };
    if key.is_empty() {
        return Err(format!("invalid environment variable: {value}"));
    }
    if !has_value {
        if let Some(v) = lookup(key) {
            return Ok(format!("{key}={v}"));
        }
    }
    Ok(value.to_string())
}

/// `KEY=VALUE` strings to a label map (docker's `ConvertKVStringsToMap`).
pub fn kv_map(values: &[String]) -> std::collections::BTreeMap<String, String> {
    values
        .iter()
        .map(|v| match v.split_once('=') {
            Some((k, val)) => (k.to_string(), val.to_string()),
            None => (v.clone(), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_env() {
        assert_eq!(validate_label("a=b"), Ok("a=b".into()));
        assert_eq!(validate_label("flag"), Ok("flag".into()));
        assert_eq!(
            validate_label("=b"),
            Err("invalid label '=b': empty name".into())
        );
        assert_eq!(
            validate_label("a b=c"),
            Err("label 'a b' contains whitespaces".into())
        );
        let lookup = |k: &str| (k == "HOME").then(|| "/root".to_string());
        assert_eq!(validate_env("A=1", &lookup), Ok("A=1".into()));
        assert_eq!(validate_env("HOME", &lookup), Ok("HOME=/root".into()));
        assert_eq!(validate_env("UNSET", &lookup), Ok("UNSET".into()));
        assert_eq!(
            validate_env("=x", &lookup),
            Err("invalid environment variable: =x".into())
        );
    }
}
