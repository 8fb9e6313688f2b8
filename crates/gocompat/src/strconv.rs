//! Go's `strconv` as docker's flags use it, with the same error text:
//! `ParseUint` / `ParseInt` (base-0 integers, so `0x10` works),
//! `ParseFloat`, and `Quote` for the values those errors echo.

/// Go's `%q`/`strconv.Quote` for the ASCII-and-printable-Unicode text flag
/// values usually are: quotes and backslashes escaped, control characters
/// as `\n`, `\t` or `\x..`.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `strconv.ParseUint(s, 0, 64)`.
pub fn parse_uint(s: &str) -> Result<u64, String> {
    let fail = |why: &str| format!("strconv.ParseUint: parsing {}: {why}", quote(s));
    let (base, digits) = split_base(s);
    let v = parse_digits(digits, base, s).ok_or_else(|| fail("invalid syntax"))?;
    v.ok_or_else(|| fail("value out of range"))
}

/// `strconv.ParseUint(s, 10, 64)`: decimal digits only.
pub fn parse_uint10(s: &str) -> Result<u64, String> {
    let fail = |why: &str| format!("strconv.ParseUint: parsing {}: {why}", quote(s));
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(fail("invalid syntax"));
    }
    s.parse().map_err(|_| fail("value out of range"))
}

/// `strconv.ParseInt(s, 0, 64)` (pflag's `int` and `int64` flags).
pub fn parse_int(s: &str) -> Result<i64, String> {
    let fail = |why: &str| format!("strconv.ParseInt: parsing {}: {why}", quote(s));
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (base, digits) = split_base(rest);
    let v = parse_digits(digits, base, rest).ok_or_else(|| fail("invalid syntax"))?;
    let v = v.ok_or_else(|| fail("value out of range"))?;
    let limit = if neg { 1u64 << 63 } else { (1u64 << 63) - 1 };
    if v > limit {
        return Err(fail("value out of range"));
    }
    Ok(if neg {
        (v as i64).wrapping_neg()
    } else {
        v as i64
    })
}

/// Splits a Go base prefix (`0x`, `0o`, `0b`, or a leading `0` for octal).
fn split_base(s: &str) -> (u32, &str) {
    let b = s.as_bytes();
    if b.len() >= 2 && b[0] == b'0' {
        match b[1] {
            b'x' | b'X' => return (16, &s[2..]),
            b'o' | b'O' => return (8, &s[2..]),
            b'b' | b'B' => return (2, &s[2..]),
            _ => return (8, &s[1..]),
        }
    }
    (10, s)
}

/// Digits in `base`, with Go's base-0 underscore rule (only between
/// digits, or right after a base prefix). `None`: invalid syntax;
/// `Some(None)`: overflow.
fn parse_digits(digits: &str, base: u32, whole: &str) -> Option<Option<u64>> {
    if whole.is_empty() || (digits.is_empty() && base != 8) {
        return None;
    }
    if digits.contains('_') && !underscores_ok(whole) {
        return None;
    }
    let mut v: Option<u64> = Some(0);
    for c in digits.chars().filter(|c| *c != '_') {
        let d = c.to_digit(base)?;
        v = v
            .and_then(|v| v.checked_mul(u64::from(base)))
            .and_then(|v| v.checked_add(u64::from(d)));
    }
    Some(v)
}

/// Go's `underscoreOK`: underscores must separate digits (a base prefix
/// counts as a digit).
fn underscores_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut saw = '^';
    let mut i = 0;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1] | 0x20, b'x' | b'o' | b'b') {
        saw = '0';
        i = 2;
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_hexdigit() {
            saw = '0';
        } else if c == b'_' {
            if saw != '0' {
                return false;
            }
            saw = '_';
        } else {
            if saw == '_' {
                return false;
            }
            saw = '!';
        }
        i += 1;
    }
    saw != '_'
}

/// `strconv.ParseFloat(s, 32)`, returned as the f64 that JSON-encodes the
/// way Go encodes the float32 (`0.1`, not `0.10000000149011612`).
pub fn parse_float32(s: &str) -> Result<f64, String> {
    let fail = |why: &str| format!("strconv.ParseFloat: parsing {}: {why}", quote(s));
    let lower = s.to_ascii_lowercase();
    let body = lower.trim_start_matches(['+', '-']);
    let special = matches!(body, "inf" | "infinity" | "nan");
    let plain = !body.is_empty()
        && body
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'+' | b'-'));
    if !(special || plain) {
        return Err(fail("invalid syntax"));
    }
    let v: f32 = lower.parse().map_err(|_| fail("invalid syntax"))?;
    if v.is_infinite() && !special {
        return Err(fail("value out of range"));
    }
    // The shortest decimal of the f32, read back as f64.
    Ok(v.to_string().parse().unwrap_or(f64::from(v)))
}

/// `strconv.ParseFloat(s, 64)` for the plain decimals sizes use.
pub(crate) fn parse_float64(s: &str) -> Result<f64, String> {
    let ok = !s.is_empty()
        && s.bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'));
    s.parse::<f64>()
        .ok()
        .filter(|_| ok)
        .ok_or_else(|| format!("strconv.ParseFloat: parsing {}: invalid syntax", quote(s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uints_like_strconv() {
        let cases: &[(&str, Result<u64, &str>)] = &[
            ("3", Ok(3)),
            ("0", Ok(0)),
            ("0x10", Ok(16)),
            ("010", Ok(8)),
            ("0b11", Ok(3)),
            ("1_000", Ok(1000)),
            ("x", Err("strconv.ParseUint: parsing \"x\": invalid syntax")),
            ("", Err("strconv.ParseUint: parsing \"\": invalid syntax")),
            (
                "-1",
                Err("strconv.ParseUint: parsing \"-1\": invalid syntax"),
            ),
            (
                "1.5",
                Err("strconv.ParseUint: parsing \"1.5\": invalid syntax"),
            ),
            (
                "_1",
                Err("strconv.ParseUint: parsing \"_1\": invalid syntax"),
            ),
            (
                "99999999999999999999",
                Err("strconv.ParseUint: parsing \"99999999999999999999\": value out of range"),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(parse_uint(input), want.map_err(str::to_string), "{input}");
        }
    }

    #[test]
    fn decimal_uints() {
        assert_eq!(parse_uint10("12"), Ok(12));
        assert_eq!(
            parse_uint10("0x1"),
            Err("strconv.ParseUint: parsing \"0x1\": invalid syntax".into())
        );
    }

    #[test]
    fn ints_like_strconv() {
        assert_eq!(parse_int("-3"), Ok(-3));
        assert_eq!(parse_int("+0x1f"), Ok(31));
        assert_eq!(parse_int("-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(
            parse_int("9223372036854775808"),
            Err("strconv.ParseInt: parsing \"9223372036854775808\": value out of range".into())
        );
        assert_eq!(
            parse_int("three"),
            Err("strconv.ParseInt: parsing \"three\": invalid syntax".into())
        );
    }

    #[test]
    fn floats() {
        assert_eq!(parse_float32("0.1"), Ok(0.1));
        assert_eq!(parse_float32("1"), Ok(1.0));
        assert_eq!(parse_float32(".25"), Ok(0.25));
        assert_eq!(
            parse_float32("a"),
            Err("strconv.ParseFloat: parsing \"a\": invalid syntax".into())
        );
        assert_eq!(
            parse_float32("1e50"),
            Err("strconv.ParseFloat: parsing \"1e50\": value out of range".into())
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(quote("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
        assert_eq!(quote("é"), "\"é\"");
    }
}
