//! The functions a template may call: docker's additions (`json`, `join`,
//! `split`, `upper`, `lower`, `title`, `pad`, `truncate`) and the Go
//! builtins that are useful on JSON data (`len`, `index`, `not`, `eq`...,
//! `print`, `printf`, `println`). `and` / `or` live in the executor
//! because they must not evaluate all their arguments.

use super::printf;
use super::value::{print, truthy, type_name};
use serde_json::Value;
use std::cmp::Ordering;

const FUNCS: &[&str] = &[
    "json", "split", "join", "title", "lower", "upper", "pad", "truncate", "and", "or", "not",
    "len", "index", "print", "printf", "println", "eq", "ne", "lt", "le", "gt", "ge",
];

/// Functions docker swaps for identity when rendering a table header, so
/// `{{upper .Name}}` still shows the header text `NAME` unchanged.
const HEADER_IDENTITY: &[&str] = &[
    "json", "split", "join", "title", "lower", "upper", "truncate",
];

/// Whether `name` is a known function (checked at parse time, like Go).
pub(crate) fn exists(name: &str) -> bool {
    FUNCS.contains(&name)
}

/// Calls function `name`; errors are bare messages the executor places.
pub(crate) fn call(name: &str, args: &[Value], header: bool) -> Result<Value, String> {
    if header && HEADER_IDENTITY.contains(&name) {
        let want = if matches!(name, "split" | "join" | "truncate") {
            2
        } else {
            1
        };
        arity(name, args, want)?;
        // docker's header versions take a string, so `{{json .}}` fails
        // on the header object just as it does in docker.
        string_arg(&args[0])?;
        return Ok(args[0].clone());
    }
    match name {
        "json" => {
            arity(name, args, 1)?;
            serde_json::to_string(&args[0])
                .map(Value::String)
                .map_err(|e| format!("error calling json: {e}"))
        }
        "split" => {
            arity(name, args, 2)?;
            let (s, sep) = (string_arg(&args[0])?, string_arg(&args[1])?);
            let parts: Vec<Value> = if sep.is_empty() {
                s.chars().map(|c| Value::String(c.to_string())).collect()
            } else {
                s.split(sep).map(|p| Value::String(p.to_string())).collect()
            };
            Ok(Value::Array(parts))
        }
        "join" => {
            arity(name, args, 2)?;
            let sep = string_arg(&args[1])?;
            match &args[0] {
                Value::Array(items) => Ok(Value::String(
                    items.iter().map(print).collect::<Vec<_>>().join(sep),
                )),
                Value::Null => Ok(Value::String(String::new())),
                other => Err(wrong_type("[]string", other)),
            }
        }
        "title" => string_fn(name, args, title),
        "lower" => string_fn(name, args, |s| s.to_lowercase()),
        "upper" => string_fn(name, args, |s| s.to_uppercase()),
        "pad" => {
            arity(name, args, 3)?;
            let s = string_arg(&args[0])?;
            let (pre, post) = (count_arg(&args[1])?, count_arg(&args[2])?);
            if s.is_empty() {
                return Ok(Value::String(String::new()));
            }
            Ok(Value::String(format!(
                "{}{s}{}",
                " ".repeat(pre),
                " ".repeat(post)
            )))
        }
        "truncate" => {
            arity(name, args, 2)?;
            let s = string_arg(&args[0])?;
            let mut n = count_arg(&args[1])?.min(s.len());
            // Go slices bytes; stay on a char boundary so output stays UTF-8.
            while !s.is_char_boundary(n) {
                n -= 1;
            }
            Ok(Value::String(s[..n].to_string()))
        }
        "not" => {
            arity(name, args, 1)?;
            Ok(Value::Bool(!truthy(&args[0])))
        }
        "len" => {
            arity(name, args, 1)?;
            let n = match &args[0] {
                Value::String(s) => s.len(),
                Value::Array(a) => a.len(),
                Value::Object(m) => m.len(),
                other => {
                    return Err(format!(
                        "error calling len: len of type {}",
                        type_name(other)
                    ))
                }
            };
            Ok(Value::from(n))
        }
        "index" => index(args),
        "print" => Ok(Value::String(sprint(args))),
        "println" => {
            let mut s = args.iter().map(print).collect::<Vec<_>>().join(" ");
            s.push('\n');
            Ok(Value::String(s))
        }
        "printf" => {
            if args.is_empty() {
                return Err("wrong number of args for printf: want at least 1 got 0".into());
            }
            Ok(Value::String(printf::sprintf(
                string_arg(&args[0])?,
                &args[1..],
            )))
        }
        "eq" | "ne" => {
            if args.len() < 2 {
                return Err(format!(
                    "wrong number of args for {name}: want at least 2 got {}",
                    args.len()
                ));
            }
            let mut eq = false;
            for other in &args[1..] {
                if compare(&args[0], other)? == Some(Ordering::Equal) {
                    eq = true;
                }
            }
            Ok(Value::Bool(if name == "eq" { eq } else { !eq }))
        }
        "lt" | "le" | "gt" | "ge" => {
            arity(name, args, 2)?;
            let ord = compare(&args[0], &args[1])?
                .filter(|_| !matches!(args[0], Value::Bool(_) | Value::Null))
                .ok_or_else(|| format!("error calling {name}: invalid type for comparison"))?;
            Ok(Value::Bool(match name {
                "lt" => ord == Ordering::Less,
                "le" => ord != Ordering::Greater,
                "gt" => ord == Ordering::Greater,
                _ => ord != Ordering::Less,
            }))
        }
        other => Err(format!("function {other:?} not defined")),
    }
}

fn arity(name: &str, args: &[Value], want: usize) -> Result<(), String> {
    if args.len() == want {
        Ok(())
    } else {
        Err(format!(
            "wrong number of args for {name}: want {want} got {}",
            args.len()
        ))
    }
}

fn wrong_type(want: &str, got: &Value) -> String {
    match got {
        Value::Null => format!("invalid value; expected {want}"),
        other => format!(
            "wrong type for value; expected {want}; got {}",
            type_name(other)
        ),
    }
}

fn string_arg(v: &Value) -> Result<&str, String> {
    v.as_str().ok_or_else(|| wrong_type("string", v))
}

fn count_arg(v: &Value) -> Result<usize, String> {
    match v {
        Value::Number(n) if n.is_i64() || n.is_u64() => n
            .as_u64()
            .and_then(|u| usize::try_from(u).ok())
            .ok_or_else(|| format!("negative count {n}")),
        other => Err(wrong_type("int", other)),
    }
}

fn string_fn(name: &str, args: &[Value], f: impl Fn(&str) -> String) -> Result<Value, String> {
    arity(name, args, 1)?;
    Ok(Value::String(f(string_arg(&args[0])?)))
}

/// Go's `strings.Title`: upper-cases the first letter of every word and
/// leaves the rest alone.
fn title(s: &str) -> String {
    let mut prev_sep = true;
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if prev_sep {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev_sep = if c.is_ascii() {
            !(c.is_ascii_alphanumeric() || c == '_')
        } else {
            !c.is_alphanumeric() && c.is_whitespace()
        };
    }
    out
}

fn index(args: &[Value]) -> Result<Value, String> {
    let Some((first, keys)) = args.split_first() else {
        return Err("wrong number of args for index: want at least 1 got 0".into());
    };
    let mut cur = first.clone();
    for key in keys {
        cur = match (&cur, key) {
            (Value::Object(m), Value::String(k)) => m.get(k).cloned().unwrap_or(Value::Null),
            (Value::Array(a), Value::Number(n)) => {
                let i = n.as_i64().ok_or_else(|| {
                    format!(
                        "error calling index: cannot index slice/array with type {}",
                        type_name(key)
                    )
                })?;
                usize::try_from(i)
                    .ok()
                    .and_then(|i| a.get(i))
                    .cloned()
                    .ok_or_else(|| format!("error calling index: index out of range: {i}"))?
            }
            (Value::Null, _) => return Err("error calling index: index of untyped nil".into()),
            (Value::Object(_), k) | (Value::Array(_), k) => {
                return Err(format!(
                    "error calling index: cannot index with type {}",
                    type_name(k)
                ))
            }
            (other, _) => {
                return Err(format!(
                    "error calling index: can't index item of type {}",
                    type_name(other)
                ))
            }
        };
    }
    Ok(cur)
}

/// Go's `fmt.Sprint`: a blank between operands when neither is a string.
fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 && !a.is_string() && !args[i - 1].is_string() {
            out.push(' ');
        }
        out.push_str(&print(a));
    }
    out
}

/// Compares two basic values; `None` when they are not ordered (bools).
fn compare(a: &Value, b: &Value) -> Result<Option<Ordering>, String> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => Ok(match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => Some(x.cmp(&y)),
            _ => x
                .as_f64()
                .zip(y.as_f64())
                .and_then(|(x, y)| x.partial_cmp(&y)),
        }),
        (Value::String(x), Value::String(y)) => Ok(Some(x.cmp(y))),
        (Value::Bool(x), Value::Bool(y)) => Ok(Some(if x == y {
            Ordering::Equal
        } else {
            Ordering::Less
        })),
        (Value::Null, Value::Null) => Ok(Some(Ordering::Equal)),
        (Value::Array(_) | Value::Object(_), _) | (_, Value::Array(_) | Value::Object(_)) => {
            Err("error calling eq: non-comparable type".into())
        }
        (Value::Null, _) | (_, Value::Null) => Ok(None),
        _ => Err("incompatible types for comparison".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn title_like_go() {
        assert_eq!(title("hello wORLD foo_bar a-b"), "Hello WORLD Foo_bar A-B");
        assert_eq!(title("élan vital"), "Élan Vital");
    }

    #[test]
    fn header_identity() {
        assert_eq!(
            call("upper", &[json!("NAME")], true).unwrap(),
            json!("NAME")
        );
        assert_eq!(
            call("truncate", &[json!("NAME"), json!(2)], true).unwrap(),
            json!("NAME")
        );
        assert_eq!(
            call("pad", &[json!("ID"), json!(1), json!(2)], true).unwrap(),
            json!(" ID  ")
        );
    }

    #[test]
    fn type_errors() {
        assert_eq!(
            call("upper", &[json!(1)], false).unwrap_err(),
            "wrong type for value; expected string; got int"
        );
        assert_eq!(
            call("upper", &[json!(null)], false).unwrap_err(),
            "invalid value; expected string"
        );
        assert_eq!(
            call("upper", &[json!("a"), json!("b")], false).unwrap_err(),
            "wrong number of args for upper: want 1 got 2"
        );
    }
}
