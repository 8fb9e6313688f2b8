//! A subset of Go's `fmt.Sprintf` for the template `printf` function:
//! flags `-+0 #`, width, precision and the verbs `v s d q t f e g x X %`,
//! with Go's `%!verb(type=value)` markers on misuse instead of errors.

use super::value::{go_float, number, print, type_name};
use serde_json::Value;

/// Formats `args` per `format`, as Go's `fmt.Sprintf` would.
pub(crate) fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut next = 0;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = Spec::default();
        while let Some(&f) = chars.peek() {
            match f {
                '-' => spec.left = true,
                '+' => spec.plus = true,
                '0' => spec.zero = true,
                ' ' | '#' => {}
                _ => break,
            }
            chars.next();
        }
        spec.width = digits(&mut chars);
        if chars.peek() == Some(&'.') {
            chars.next();
            spec.prec = Some(digits(&mut chars).unwrap_or(0));
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(next) else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        next += 1;
        out.push_str(&spec.pad(format_one(verb, &spec, arg), arg));
    }
    if next < args.len() {
        let extra: Vec<String> = args[next..]
            .iter()
            .map(|a| format!("{}={}", type_name(a), print(a)))
            .collect();
        out.push_str(&format!("%!(EXTRA {})", extra.join(", ")));
    }
    out
}

#[derive(Default)]
struct Spec {
    left: bool,
    plus: bool,
    zero: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

impl Spec {
    fn pad(&self, s: String, arg: &Value) -> String {
        let Some(width) = self.width else { return s };
        let len = s.chars().count();
        if len >= width {
            return s;
        }
        let fill = width - len;
        if self.left {
            format!("{s}{}", " ".repeat(fill))
        } else if self.zero && arg.is_number() {
            // Zero padding goes after the sign.
            let (sign, digits) = match s.strip_prefix(['-', '+']) {
                Some(rest) => (&s[..1], rest),
                None => ("", s.as_str()),
            };
            format!("{sign}{}{digits}", "0".repeat(fill))
        } else {
            format!("{}{s}", " ".repeat(fill))
        }
    }
}

fn digits(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<usize> {
    let mut n: Option<usize> = None;
    while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
        n = Some(n.unwrap_or(0).saturating_mul(10).saturating_add(d as usize));
        chars.next();
    }
    n
}

fn format_one(verb: char, spec: &Spec, arg: &Value) -> String {
    let bad = || format!("%!{verb}({}={})", type_name(arg), print(arg));
    let signed = |s: String| {
        if spec.plus && !s.starts_with('-') {
            format!("+{s}")
        } else {
            s
        }
    };
    match (verb, arg) {
        ('v', Value::Number(n)) => signed(number(n)),
        ('v', _) => print(arg),
        ('s', Value::String(s)) => match spec.prec {
            Some(p) => s.chars().take(p).collect(),
            None => s.clone(),
        },
        ('s', Value::Array(_) | Value::Object(_)) => print(arg),
        ('q', Value::String(s)) => format!("{s:?}"),
        ('t', Value::Bool(b)) => b.to_string(),
        ('d', Value::Number(n)) if !n.is_f64() => signed(number(n)),
        ('x' | 'X', Value::Number(n)) if !n.is_f64() => {
            let s = match n.as_i64() {
                Some(i) if i < 0 => format!("-{:x}", i.unsigned_abs()),
                _ => format!("{:x}", n.as_u64().unwrap_or(0)),
            };
            if verb == 'X' {
                s.to_uppercase()
            } else {
                s
            }
        }
        ('x' | 'X', Value::String(s)) => {
            let hex: String = s.bytes().map(|b| format!("{b:02x}")).collect();
            if verb == 'X' {
                hex.to_uppercase()
            } else {
                hex
            }
        }
        ('f' | 'e' | 'g', Value::Number(n)) => {
            let f = n.as_f64().unwrap_or(0.0);
            signed(match verb {
                'f' => format!("{f:.*}", spec.prec.unwrap_or(6)),
                'e' => go_exp(format!("{f:.*e}", spec.prec.unwrap_or(6))),
                _ => go_float(f),
            })
        }
        _ => bad(),
    }
}

/// Rust writes `1.5e3`; Go writes `1.5e+03`.
fn go_exp(s: String) -> String {
    match s.split_once('e') {
        Some((m, e)) => {
            let (sign, digits) = match e.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', e),
            };
            format!("{m}e{sign}{digits:0>2}")
        }
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn printf_subset() {
        let cases: &[(&str, Value, &str)] = &[
            ("%s", json!(["a"]), "a"),
            ("%d items", json!([3]), "3 items"),
            ("%5d|%-5d|%05d", json!([42, 42, -42]), "   42|42   |-0042"),
            ("%-8s|", json!(["ab"]), "ab      |"),
            ("%.2f", json!([1.23456]), "1.23"),
            ("%v %v", json!([1.5, null]), "1.5 <nil>"),
            ("%q", json!(["a\"b"]), "\"a\\\"b\""),
            ("%t", json!([true]), "true"),
            ("%x %X", json!([255, "hi"]), "ff 6869"),
            ("%e", json!([1500.0]), "1.500000e+03"),
            ("100%%", json!([]), "100%"),
            ("%d", json!(["x"]), "%!d(string=x)"),
            ("%s %s", json!(["a"]), "a %!s(MISSING)"),
            ("%s", json!(["a", 1]), "a%!(EXTRA int=1)"),
        ];
        for (fmt, args, want) in cases {
            let args = args.as_array().unwrap();
            assert_eq!(sprintf(fmt, args), *want, "printf {fmt:?}");
        }
    }
}
