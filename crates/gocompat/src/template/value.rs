//! How Go's `fmt` prints values, applied to JSON values: strings bare, maps
//! as `map[k:v ...]` with sorted keys, slices as `[a b]`, floats in `%v`
//! (shortest `%g`) form. Templates print through these rules so output
//! matches what docker's Go templates print for the same data.

use serde_json::{Number, Value};

/// Prints a value the way `{{.X}}` does. A null/missing value at the top
/// level is `<no value>`, which is what Go prints for a missing map key.
pub(crate) fn print_top(v: &Value) -> String {
    match v {
        Value::Null => "<no value>".to_string(),
        other => print(other),
    }
}

/// `fmt.Sprint`-style printing of one value (nested nulls are `<nil>`).
pub(crate) fn print(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v);
    out
}

fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number(n)),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            // Go's fmt sorts map keys; sort explicitly in case serde_json
            // was built with preserve_order somewhere in the workspace.
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push_str("map[");
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                write_value(out, &map[k.as_str()]);
            }
            out.push(']');
        }
    }
}

/// Integers print plainly; floats as Go's `%v`.
pub(crate) fn number(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(u) = n.as_u64() {
        u.to_string()
    } else {
        go_float(n.as_f64().unwrap_or(f64::NAN))
    }
}

/// Go's `%v` for a float64: `%g` with the shortest digits that round-trip,
/// which switches to exponent form when the decimal exponent is < -4 or
/// >= 6 (hence Go printing `1e+06` for a million).
pub fn go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    // Rust's `{:e}` gives the shortest round-trip digits, like Go's -1 precision.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if f < 0.0 { "-" } else { "" };
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{frac}e{esign}{:02}", exp.abs());
    }
    let point = exp + 1; // digits before the decimal point
    let body = if point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        let (int, frac) = digits.split_at(point as usize);
        format!("{int}.{frac}")
    };
    format!("{sign}{body}")
}

/// Go's truth: false, 0, nil and empty strings/slices/maps are false.
pub(crate) fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
    }
}

/// The Go type a JSON value would decode to, for error messages.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn go_printing() {
        let cases = [
            (json!("s"), "s"),
            (json!(null), "<no value>"),
            (json!(true), "true"),
            (json!(42), "42"),
            (json!(-7), "-7"),
            (json!(1.5), "1.5"),
            (json!(100000.0), "100000"),
            (json!(1000000.0), "1e+06"),
            (json!(1234567.0), "1.234567e+06"),
            (json!(0.0001), "0.0001"),
            (json!(0.00001), "1e-05"),
            (json!(-2.5e-7), "-2.5e-07"),
            (json!(1e21), "1e+21"),
            (json!(0.0), "0"),
            (json!(["a", "b"]), "[a b]"),
            (json!([]), "[]"),
            (json!([null, 1]), "[<nil> 1]"),
            (json!({"b": 1, "a": "x"}), "map[a:x b:1]"),
            (json!({"a": {"c": [1, 2]}}), "map[a:map[c:[1 2]]]"),
            (json!({}), "map[]"),
        ];
        for (v, want) in cases {
            assert_eq!(print_top(&v), want, "printing {v}");
        }
    }

    #[test]
    fn truth() {
        for v in [
            json!(null),
            json!(false),
            json!(0),
            json!(0.0),
            json!(""),
            json!([]),
            json!({}),
        ] {
            assert!(!truthy(&v), "{v} should be false");
        }
        for v in [
            json!(true),
            json!(1),
            json!(-0.5),
            json!("x"),
            json!([0]),
            json!({"a": null}),
        ] {
            assert!(truthy(&v), "{v} should be true");
        }
    }
}
