//! Durations the way docker's users type and read them: Go's
//! `time.ParseDuration` syntax (`1h2m3.5s`, `300ms`) for flags such as
//! `--update-delay`, Go's `Duration.String()` for printing them back, and
//! go-units' `HumanDuration` for ages ("Running 5 minutes ago").

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

const NANOS_PER_MICRO: u64 = 1_000;
const NANOS_PER_MILLI: u64 = 1_000_000;
const NANOS_PER_SEC: u64 = 1_000_000_000;

/// Errors worded exactly like Go's `time.ParseDuration`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("time: invalid duration {}", quote(.0))]
    Invalid(String),
    #[error("time: missing unit in duration {}", quote(.0))]
    MissingUnit(String),
    #[error("time: unknown unit {} in duration {}", quote(.unit), quote(.input))]
    UnknownUnit { unit: String, input: String },
    /// Only from [`parse_duration`], which yields an unsigned duration.
    #[error("negative duration {} is not allowed", quote(.0))]
    Negative(String),
}

/// A signed nanosecond count, like Go's `time.Duration`; parses and
/// displays in Go's syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct GoDuration(pub i64);

impl GoDuration {
    /// Converts a std duration, saturating at Go's maximum (~292 years).
    pub fn from_std(d: Duration) -> Self {
        GoDuration(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
    }

    /// The std duration, or `None` when negative.
    pub fn to_std(self) -> Option<Duration> {
        u64::try_from(self.0).ok().map(Duration::from_nanos)
    }
}

impl FromStr for GoDuration {
    type Err = DurationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_go_duration(s)
    }
}

impl fmt::Display for GoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_nanos(self.0))
    }
}

/// Go's `time.ParseDuration`: a possibly signed sequence of decimal
/// numbers, each with optional fraction and a unit suffix (`ns`, `us`,
/// `µs`, `ms`, `s`, `m`, `h`). `"0"` alone needs no unit.
pub fn parse_go_duration(input: &str) -> Result<GoDuration, DurationError> {
    let invalid = || DurationError::Invalid(input.to_string());
    let (neg, mut s) = match input.as_bytes().first() {
        Some(b'-') => (true, &input[1..]),
        Some(b'+') => (false, &input[1..]),
        _ => (false, input),
    };
    if s == "0" {
        return Ok(GoDuration(0));
    }
    if s.is_empty() {
        return Err(invalid());
    }
    const LIMIT: u64 = 1 << 63;
    let mut total: u64 = 0;
    while !s.is_empty() {
        if !s.starts_with(|c: char| c == '.' || c.is_ascii_digit()) {
            return Err(invalid());
        }
        // Integer part; overflow here is an invalid duration, as in Go.
        let int_len = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let mut whole: u64 = 0;
        for d in s[..int_len].bytes() {
            whole = whole
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(d - b'0')))
                .filter(|v| *v <= LIMIT)
                .ok_or_else(invalid)?;
        }
        s = &s[int_len..];
        // Fraction: digits beyond what fits are read but ignored, as in Go.
        let (mut frac, mut scale, mut frac_len) = (0u64, 1f64, 0);
        if let Some(rest) = s.strip_prefix('.') {
            frac_len = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            let mut overflow = false;
            for d in rest[..frac_len].bytes() {
                if overflow {
                    continue;
                }
                if frac > (LIMIT - 1) / 10 {
                    overflow = true;
                    continue;
                }
                let v = frac * 10 + u64::from(d - b'0');
                if v > LIMIT {
                    overflow = true;
                    continue;
                }
                frac = v;
                scale *= 10.0;
            }
            s = &rest[frac_len..];
        }
        if int_len == 0 && frac_len == 0 {
            return Err(invalid()); // e.g. ".s"
        }
        let unit_len = s
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        if unit_len == 0 {
            return Err(DurationError::MissingUnit(input.to_string()));
        }
        let unit_str = &s[..unit_len];
        s = &s[unit_len..];
        let unit = unit_nanos(unit_str).ok_or_else(|| DurationError::UnknownUnit {
            unit: unit_str.to_string(),
            input: input.to_string(),
        })?;
        if whole > LIMIT / unit {
            return Err(invalid());
        }
        let mut v = whole * unit;
        if frac > 0 {
            // f64 is what Go uses here too, and it is nanosecond-exact for
            // fractions of the largest unit (an hour).
            v += (frac as f64 * (unit as f64 / scale)) as u64;
            if v > LIMIT {
                return Err(invalid());
            }
        }
        total = total
            .checked_add(v)
            .filter(|t| *t <= LIMIT)
            .ok_or_else(invalid)?;
    }
    if neg {
        // -2^63 is representable, so the limit is inclusive for negatives.
        return Ok(GoDuration((total as i128).wrapping_neg() as i64));
    }
    i64::try_from(total).map(GoDuration).map_err(|_| invalid())
}

fn unit_nanos(unit: &str) -> Option<u64> {
    Some(match unit {
        "ns" => 1,
        // U+00B5 micro sign and U+03BC Greek mu, both accepted by Go.
        "us" | "µs" | "μs" => NANOS_PER_MICRO,
        "ms" => NANOS_PER_MILLI,
        "s" => NANOS_PER_SEC,
        "m" => 60 * NANOS_PER_SEC,
        "h" => 3600 * NANOS_PER_SEC,
        _ => return None,
    })
}

/// Parses Go syntax into a std duration; negative values are an error.
pub fn parse_duration(s: &str) -> Result<Duration, DurationError> {
    parse_go_duration(s)?
        .to_std()
        .ok_or_else(|| DurationError::Negative(s.to_string()))
}

/// Go's `Duration.String()` for a std duration (`1m30s`, `100ms`, `0s`).
pub fn format_duration(d: Duration) -> String {
    GoDuration::from_std(d).to_string()
}

/// Go's `Duration.String()` for signed nanoseconds.
pub fn format_nanos(nanos: i64) -> String {
    let neg = nanos < 0;
    let mut u = nanos.unsigned_abs();
    // Built right to left, as Go does.
    let mut rev = String::new();
    if u < NANOS_PER_SEC {
        let (unit, prec) = match u {
            0 => return "0s".to_string(),
            u if u < NANOS_PER_MICRO => ("ns", 0),
            u if u < NANOS_PER_MILLI => ("µs", 3),
            _ => ("ms", 6),
        };
        rev.extend(unit.chars().rev());
        u = frac_rev(&mut rev, u, prec);
        int_rev(&mut rev, u);
    } else {
        rev.push('s');
        u = frac_rev(&mut rev, u, 9);
        int_rev(&mut rev, u % 60);
        u /= 60;
        if u > 0 {
            rev.push('m');
            int_rev(&mut rev, u % 60);
            u /= 60;
            if u > 0 {
                rev.push('h');
                int_rev(&mut rev, u);
            }
        }
    }
    if neg {
        rev.push('-');
    }
    rev.chars().rev().collect()
}

/// Appends (reversed) the `prec` low decimal digits of `v` as a fraction,
/// dropping trailing zeros and the point when all are zero; returns the
/// integer part.
fn frac_rev(rev: &mut String, mut v: u64, prec: u32) -> u64 {
    let mut printing = false;
    for _ in 0..prec {
        let digit = v % 10;
        printing = printing || digit != 0;
        if printing {
            rev.push(char::from(b'0' + digit as u8));
        }
        v /= 10;
    }
    if printing {
        rev.push('.');
    }
    v
}

fn int_rev(rev: &mut String, v: u64) {
    rev.extend(v.to_string().chars().rev());
}

/// go-units' `HumanDuration`: a rough, friendly length of time, as docker
/// prints in `Up 5 minutes` or `Running 2 hours ago`.
pub fn human_duration(d: Duration) -> String {
    let seconds = d.as_secs();
    let minutes = seconds / 60;
    let hours_f = d.as_secs_f64() / 3600.0;
    // go-units rounds hours to nearest from here on.
    let hours = (hours_f + 0.5) as u64;
    match () {
        _ if seconds < 1 => "Less than a second".to_string(),
        _ if seconds == 1 => "1 second".to_string(),
        _ if seconds < 60 => format!("{seconds} seconds"),
        _ if minutes == 1 => "About a minute".to_string(),
        _ if minutes < 60 => format!("{minutes} minutes"),
        _ if hours == 1 => "About an hour".to_string(),
        _ if hours < 48 => format!("{hours} hours"),
        _ if hours < 24 * 7 * 2 => format!("{} days", hours / 24),
        _ if hours < 24 * 30 * 2 => format!("{} weeks", hours / 24 / 7),
        _ if hours < 24 * 365 * 2 => format!("{} months", hours / 24 / 30),
        _ => format!("{} years", hours_f as u64 / 24 / 365),
    }
}

/// `human_duration` + " ago", docker's wording for timestamps.
pub fn human_ago(d: Duration) -> String {
    format!("{} ago", human_duration(d))
}

/// How long before `now` an RFC 3339 UTC timestamp (`...Z`, as the API
/// sends them) lies; `None` when it does not parse, is before 1970 (Go's
/// zero time) or lies in the future.
pub fn since_rfc3339(timestamp: &str, now: SystemTime) -> Option<Duration> {
    let then = humantime::parse_rfc3339_weak(timestamp).ok()?;
    now.duration_since(then).ok()
}

/// Go's `time` package quoting for error messages: double quotes, `"`
/// and `\` escaped, bytes of non-ASCII or control characters as `\xNN`.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c.is_ascii() && c >= ' ' {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS: i64 = 1;
    const US: i64 = 1_000;
    const MS: i64 = 1_000_000;
    const S: i64 = 1_000_000_000;
    const M: i64 = 60 * S;
    const H: i64 = 60 * M;

    #[test]
    fn parse_ok() {
        // Cases from Go's own time package tests.
        let cases: &[(&str, i64)] = &[
            ("0", 0),
            ("5s", 5 * S),
            ("30s", 30 * S),
            ("1478s", 1478 * S),
            ("-5s", -5 * S),
            ("+5s", 5 * S),
            ("-0", 0),
            ("+0", 0),
            ("5.0s", 5 * S),
            ("5.6s", 5 * S + 600 * MS),
            ("5.s", 5 * S),
            (".5s", 500 * MS),
            ("1.0s", S),
            ("1.00s", S),
            ("1.004s", S + 4 * MS),
            ("1.0040s", S + 4 * MS),
            ("100.00100s", 100 * S + MS),
            ("10ns", 10 * NS),
            ("11us", 11 * US),
            ("12µs", 12 * US),
            ("12μs", 12 * US),
            ("13ms", 13 * MS),
            ("14s", 14 * S),
            ("15m", 15 * M),
            ("16h", 16 * H),
            ("3h30m", 3 * H + 30 * M),
            ("10.5s4m", 4 * M + 10 * S + 500 * MS),
            ("-2m3.4s", -(2 * M + 3 * S + 400 * MS)),
            (
                "1h2m3s4ms5us6ns",
                H + 2 * M + 3 * S + 4 * MS + 5 * US + 6 * NS,
            ),
            ("39h9m14.425s", 39 * H + 9 * M + 14 * S + 425 * MS),
            ("52763797000ns", 52763797000 * NS),
            ("0.3333333333333333333h", 20 * M),
            ("9007199254740993ns", (1 << 53) + 1),
            ("9223372036854775807ns", i64::MAX),
            ("9223372036854775.807us", i64::MAX),
            ("9223372036s854ms775us807ns", i64::MAX),
            ("-9223372036854775808ns", i64::MIN),
            ("-9223372036854775.808us", i64::MIN),
            ("0.100000000000000000000h", 6 * M),
            ("0.830103483285477580700h", 49 * M + 48 * S + 372539827 * NS),
            ("1.5h", H + 30 * M),
            ("300ms", 300 * MS),
        ];
        for (input, want) in cases {
            assert_eq!(
                parse_go_duration(input),
                Ok(GoDuration(*want)),
                "parsing {input:?}"
            );
        }
    }

    #[test]
    fn parse_errors_match_go() {
        let cases: &[(&str, &str)] = &[
            ("", r#"time: invalid duration """#),
            ("3", r#"time: missing unit in duration "3""#),
            ("-", r#"time: invalid duration "-""#),
            ("s", r#"time: invalid duration "s""#),
            (".", r#"time: invalid duration ".""#),
            ("-.", r#"time: invalid duration "-.""#),
            (".s", r#"time: invalid duration ".s""#),
            ("+.s", r#"time: invalid duration "+.s""#),
            ("1d", r#"time: unknown unit "d" in duration "1d""#),
            ("x", r#"time: invalid duration "x""#),
            ("\"x", r#"time: invalid duration "\"x""#),
            ("3000000h", r#"time: invalid duration "3000000h""#),
            (
                "9223372036854775808ns",
                r#"time: invalid duration "9223372036854775808ns""#,
            ),
            (
                "9223372036854775.808us",
                r#"time: invalid duration "9223372036854775.808us""#,
            ),
            (
                "-9223372036854775809ns",
                r#"time: invalid duration "-9223372036854775809ns""#,
            ),
            (
                "1µx",
                r#"time: unknown unit "\xc2\xb5x" in duration "1\xc2\xb5x""#,
            ),
        ];
        for (input, want) in cases {
            let err = parse_go_duration(input).expect_err(input);
            assert_eq!(err.to_string(), *want, "parsing {input:?}");
        }
        assert_eq!(
            parse_duration("-1s").unwrap_err().to_string(),
            r#"negative duration "-1s" is not allowed"#
        );
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
    }

    #[test]
    fn format_like_go() {
        // Go's Duration.String table.
        let cases: &[(i64, &str)] = &[
            (0, "0s"),
            (1, "1ns"),
            (1100, "1.1µs"),
            (2200 * US, "2.2ms"),
            (3300 * MS, "3.3s"),
            (4 * M + 5 * S, "4m5s"),
            (4 * M + 5001 * MS, "4m5.001s"),
            (5 * H + 6 * M + 7001 * MS, "5h6m7.001s"),
            (8 * M + 1, "8m0.000000001s"),
            (i64::MAX, "2562047h47m16.854775807s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
            (-S, "-1s"),
            (5 * S, "5s"),
            (90 * S, "1m30s"),
            (100 * MS, "100ms"),
            (2 * H, "2h0m0s"),
            (999, "999ns"),
            (US, "1µs"),
        ];
        for (nanos, want) in cases {
            assert_eq!(format_nanos(*nanos), *want, "formatting {nanos}");
            // And it parses back to the same value.
            assert_eq!(parse_go_duration(want), Ok(GoDuration(*nanos)));
        }
        assert_eq!(format_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(
            "1h2m3.5s".parse::<GoDuration>().unwrap().to_string(),
            "1h2m3.5s"
        );
    }

    #[test]
    fn human_like_go_units() {
        let sec = Duration::from_secs;
        let cases: &[(Duration, &str)] = &[
            (Duration::ZERO, "Less than a second"),
            (Duration::from_millis(999), "Less than a second"),
            (sec(1), "1 second"),
            (sec(2), "2 seconds"),
            (sec(59), "59 seconds"),
            (sec(60), "About a minute"),
            (sec(119), "About a minute"),
            (sec(120), "2 minutes"),
            (sec(5 * 60), "5 minutes"),
            (sec(59 * 60 + 59), "59 minutes"),
            (sec(3600), "About an hour"),
            (sec(3600 + 29 * 60), "About an hour"),
            (sec(3600 + 30 * 60), "2 hours"),
            (sec(2 * 3600), "2 hours"),
            (sec(47 * 3600), "47 hours"),
            (sec(48 * 3600), "2 days"),
            (sec(13 * 86400), "13 days"),
            (sec(14 * 86400), "2 weeks"),
            (sec(21 * 86400), "3 weeks"),
            (sec(59 * 86400), "8 weeks"),
            (sec(60 * 86400), "2 months"),
            (sec(120 * 86400), "4 months"),
            (sec(729 * 86400), "24 months"),
            (sec(730 * 86400), "2 years"),
            (sec(3 * 365 * 86400), "3 years"),
        ];
        for (d, want) in cases {
            assert_eq!(human_duration(*d), *want, "human {d:?}");
        }
        assert_eq!(human_ago(sec(300)), "5 minutes ago");
    }

    #[test]
    fn rfc3339_age() {
        let now = humantime::parse_rfc3339("2024-05-01T12:00:00Z").unwrap();
        assert_eq!(
            since_rfc3339("2024-05-01T11:55:00.123456789Z", now),
            Some(Duration::from_secs(300) - Duration::from_nanos(123456789))
        );
        assert_eq!(since_rfc3339("0001-01-01T00:00:00Z", now), None);
        assert_eq!(since_rfc3339("garbage", now), None);
    }
}
