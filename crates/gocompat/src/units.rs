//! Sizes and CPU counts the way docker reads and prints them: `big.Rat`
//! for CPU counts (`--limit-cpu 0.5`), go-units' `RAMInBytes` for memory
//! sizes (`512m`, `1.5GiB`) and `BytesSize` for printing them back, with
//! Go's `%g` underneath.

use crate::strconv::parse_float64;

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
    let size: f64 = parse_float64(num)?;
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
