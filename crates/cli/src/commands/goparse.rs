//! Flag values parsed exactly as the Go code behind docker's flags parses
//! them, with the same error text: `strconv.ParseUint` / `ParseInt` /
//! `ParseFloat` (base-0 integers, so `0x10` works), `big.Rat` for CPU
//! counts (`--limit-cpu 0.5`), go-units' `RAMInBytes` for memory sizes
//! (`512m`, `1.5GiB`) and `BytesSize` for printing them back.

use super::errors::go_quote;

/// `strconv.ParseUint(s, 0, 64)`.
pub fn parse_uint(s: &str) -> Result<u64, String> {
    let fail = |why: &str| format!("strconv.ParseUint: parsing {}: {why}", go_quote(s));
    let (base, digits) = split_base(s);
    let v = parse_digits(digits, base, s).ok_or_else(|| fail("invalid syntax"))?;
    v.ok_or_else(|| fail("value out of range"))
}

/// `strconv.ParseUint(s, 10, 64)`: decimal digits only.
pub fn parse_uint10(s: &str) -> Result<u64, String> {
    let fail = |why: &str| format!("strconv.ParseUint: parsing {}: {why}", go_quote(s));
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(fail("invalid syntax"));
    }
    s.parse().map_err(|_| fail("value out of range"))
}

/// `strconv.ParseInt(s, 0, 64)` (pflag's `int` and `int64` flags).
pub fn parse_int(s: &str) -> Result<i64, String> {
    let fail = |why: &str| format!("strconv.ParseInt: parsing {}: {why}", go_quote(s));
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
    let fail = |why: &str| format!("strconv.ParseFloat: parsing {}: {why}", go_quote(s));
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

/// docker's `ParseCPUs`: a `big.Rat` (`1.5`, `3/2`, `2e-1`) times 1e9,
/// which must come out whole.
pub fn parse_nano_cpus(s: &str) -> Result<i64, String> {
    let bad = || format!("failed to parse {s} as a rational number");
    let (num, den) = parse_rational(s).ok_or_else(bad)?;
    let scaled = num.checked_mul(1_000_000_000).ok_or_else(bad)?;
    if den == 0 {
        return Err(bad());
    }
    if scaled % den != 0 {
        return Err("value is too precise".to_string());
    }
    i64::try_from(scaled / den).map_err(|_| bad())
}

/// A rational as numerator and positive denominator: `a/b`, or a decimal
/// with optional fraction and exponent.
fn parse_rational(s: &str) -> Option<(i128, i128)> {
    if let Some((a, b)) = s.split_once('/') {
        let a: i128 = a.parse().ok()?;
        let b: i128 = b.parse().ok()?;
        if b == 0 {
            return None;
        }
        return Some(if b < 0 { (-a, -b) } else { (a, b) });
    }
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], s[i + 1..].parse::<i32>().ok()?),
        None => (s, 0),
    };
    let (neg, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa.strip_prefix('+').unwrap_or(mantissa)),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().chain(frac.bytes()).all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let mut num: i128 = format!("{int}{frac}").parse().ok()?;
    let mut den: i128 = 10i128.checked_pow(u32::try_from(frac.len()).ok()?)?;
    if exp >= 0 {
        num = num.checked_mul(10i128.checked_pow(exp.unsigned_abs())?)?;
    } else {
        den = den.checked_mul(10i128.checked_pow(exp.unsigned_abs())?)?;
    }
    Some((if neg { -num } else { num }, den))
}

/// go-units' `RAMInBytes`: a number with an optional binary unit
/// (`k`, `m`, `g`, `t`, `p`, optionally followed by `b` or `ib`).
pub fn ram_in_bytes(s: &str) -> Result<i64, String> {
    let invalid = || format!("invalid size: '{s}'");
    let sep = s
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_ascii_digit() || *c == '.' || *c == ' ')
        .map(|(i, _)| i)
        .ok_or_else(invalid)?;
    let (num, sfx) = if s.as_bytes()[sep] == b' ' {
        (&s[..sep], &s[sep + 1..])
    } else {
        (&s[..=sep], &s[sep + 1..])
    };
    let size: f64 = go_parse_float64(num)?;
    if size < 0.0 {
        return Err(invalid());
    }
    if sfx.is_empty() {
        return Ok(size as i64);
    }
    let bad_suffix = || format!("invalid suffix: '{}'", sfx.to_ascii_lowercase());
    if sfx.len() > 3 {
        return Err(format!("invalid suffix: '{sfx}'"));
    }
    let lower = sfx.to_ascii_lowercase();
    if lower.starts_with('b') {
        return if lower.len() > 1 {
            Err(bad_suffix())
        } else {
            Ok(size as i64)
        };
    }
    let mul: f64 = match lower.as_bytes()[0] {
        b'k' => 1024.0,
        b'm' => 1024f64.powi(2),
        b'g' => 1024f64.powi(3),
        b't' => 1024f64.powi(4),
        b'p' => 1024f64.powi(5),
        _ => return Err(bad_suffix()),
    };
    let ok = match lower.len() {
        2 => &lower[1..] == "b",
        3 => &lower[1..] == "ib",
        _ => true,
    };
    if !ok {
        return Err(bad_suffix());
    }
    Ok((size * mul) as i64)
}

/// `strconv.ParseFloat(s, 64)` for the plain decimals sizes use.
fn go_parse_float64(s: &str) -> Result<f64, String> {
    let ok = !s.is_empty()
        && s.bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'));
    s.parse::<f64>().ok().filter(|_| ok).ok_or_else(|| {
        format!(
            "strconv.ParseFloat: parsing {}: invalid syntax",
            go_quote(s)
        )
    })
}

/// go-units' `BytesSize`: `%.4g` of the size in the largest binary unit
/// (`512MiB`, `1.5GiB`).
pub fn bytes_size(size: f64) -> String {
    const UNITS: [&str; 9] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];
    let mut size = size;
    let mut i = 0;
    while size >= 1024.0 && i < UNITS.len() - 1 {
        size /= 1024.0;
        i += 1;
    }
    format!("{}{}", format_g(size, 4), UNITS[i])
}

/// Go's `%.<prec>g`: `prec` significant digits, trailing zeros dropped,
/// exponent form when the exponent is < -4 or >= prec.
pub fn format_g(v: f64, prec: usize) -> String {
    if v == 0.0 {
        return "0".to_string();
    }
    if !v.is_finite() {
        return if v.is_nan() {
            "NaN".into()
        } else if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let prec = prec.max(1);
    // Round to `prec` significant digits through scientific formatting.
    let sci = format!("{:.*e}", prec - 1, v);
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let trim = |m: &str| -> String {
        if m.contains('.') {
            m.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            m.to_string()
        }
    };
    if exp < -4 || exp >= prec as i32 {
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{}e{sign}{:02}", trim(mant), exp.abs());
    }
    let decimals = (prec as i32 - 1 - exp).max(0) as usize;
    trim(&format!("{v:.decimals$}"))
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
    fn cpus() {
        assert_eq!(parse_nano_cpus("1"), Ok(1_000_000_000));
        assert_eq!(parse_nano_cpus("0.5"), Ok(500_000_000));
        assert_eq!(parse_nano_cpus("3/2"), Ok(1_500_000_000));
        assert_eq!(parse_nano_cpus("2e-1"), Ok(200_000_000));
        assert_eq!(parse_nano_cpus(".25"), Ok(250_000_000));
        assert_eq!(
            parse_nano_cpus("0.0000000001"),
            Err("value is too precise".into())
        );
        assert_eq!(
            parse_nano_cpus("abc"),
            Err("failed to parse abc as a rational number".into())
        );
    }

    #[test]
    fn memory_sizes() {
        let cases: &[(&str, Result<i64, &str>)] = &[
            ("32", Ok(32)),
            ("32b", Ok(32)),
            ("32k", Ok(32 * 1024)),
            ("32KiB", Ok(32 * 1024)),
            ("32kb", Ok(32 * 1024)),
            ("512m", Ok(512 << 20)),
            ("1.5g", Ok(3 << 29)),
            ("1 GB", Ok(1 << 30)),
            ("abc", Err("invalid size: 'abc'")),
            ("32x", Err("invalid suffix: 'x'")),
            ("32mx", Err("invalid suffix: 'mx'")),
            ("32kibb", Err("invalid suffix: 'kibb'")),
            ("-1", Err("invalid size: '-1'")),
        ];
        for (input, want) in cases {
            assert_eq!(ram_in_bytes(input), want.map_err(str::to_string), "{input}");
        }
    }

    #[test]
    fn sizes_print_like_go_units() {
        assert_eq!(bytes_size(0.0), "0B");
        assert_eq!(bytes_size(512.0 * 1024.0 * 1024.0), "512MiB");
        assert_eq!(bytes_size(1.5 * 1024.0 * 1024.0 * 1024.0), "1.5GiB");
        assert_eq!(bytes_size(1000.0), "1000B");
        assert_eq!(bytes_size(123456789.0), "117.7MiB");
    }

    #[test]
    fn g_format() {
        assert_eq!(format_g(1.0, 4), "1");
        assert_eq!(format_g(0.5, 4), "0.5");
        assert_eq!(format_g(1023.96, 4), "1024");
        assert_eq!(format_g(12346.0, 4), "1.235e+04");
        assert_eq!(format_g(0.00001, 4), "1e-05");
    }
}
