//! RFC 3339 timestamps for log lines, without a date-time dependency: written in UTC with nine
//! fractional digits (`2024-05-01T12:00:00.123456789Z`, what Docker calls RFC3339Nano with a
//! fixed width), read in any RFC 3339 form (0 to 9+ fractional digits, `Z` or `±hh:mm`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

const DAY: i64 = 86_400;

/// `t` as `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` (times before 1970 are written as the epoch).
pub(crate) fn format(t: SystemTime) -> String {
    let since_epoch = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX / 2);
    let (year, month, day) = civil_from_days(secs.div_euclid(DAY));
    let secs_of_day = secs.rem_euclid(DAY);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:09}Z",
        secs_of_day / 3600,
        secs_of_day / 60 % 60,
        secs_of_day % 60,
        since_epoch.subsec_nanos()
    )
}

/// Parses an RFC 3339 timestamp; `None` if it is not one (or is before 1970).
pub(crate) fn parse(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    let hour = digits(&b[11..13])?;
    let minute = digits(&b[14..16])?;
    let second = digits(&b[17..19])?;
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &b[19..];
    let mut nanos = 0u32;
    if let Some(fraction) = rest.strip_prefix(b".") {
        let len = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if len == 0 {
            return None;
        }
        // Digits past the ninth are below a nanosecond: dropped.
        for (i, c) in fraction[..len].iter().enumerate().take(9) {
            nanos += u32::from(c - b'0') * 10u32.pow(8 - i as u32);
        }
        rest = &fraction[len..];
    }
    let offset = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hours = digits(&[*h1, *h2])?;
            let minutes = digits(&[*m1, *m2])?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let offset = hours * 3600 + minutes * 60;
            if *sign == b'-' {
                -offset
            } else {
                offset
            }
        }
        _ => return None,
    };
    let secs =
        days_from_civil(year, month, day) * DAY + hour * 3600 + minute * 60 + second - offset;
    let secs = u64::try_from(secs).ok()?;
    UNIX_EPOCH.checked_add(Duration::new(secs, nanos))
}

fn digits(b: &[u8]) -> Option<i64> {
    b.iter().try_fold(0i64, |n, c| {
        c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
    })
}

/// (year, month, day) of the `days`th day after 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days from 1970-01-01 to the given date (the inverse of [`civil_from_days`]).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64, nanos: u32) -> SystemTime {
        UNIX_EPOCH + Duration::new(secs, nanos)
    }

    #[test]
    fn formats_utc_with_nanoseconds() {
        assert_eq!(format(UNIX_EPOCH), "1970-01-01T00:00:00.000000000Z");
        // 2024-02-29 (a leap day) 13:45:06.000000789 UTC.
        assert_eq!(
            format(at(1_709_214_306, 789)),
            "2024-02-29T13:45:06.000000789Z"
        );
        assert_eq!(
            format(at(951_782_400 - 1, 999_999_999)),
            "2000-02-28T23:59:59.999999999Z"
        );
    }

    #[test]
    fn parses_what_it_formats_and_what_docker_writes() {
        for t in [
            UNIX_EPOCH,
            at(1_709_214_306, 789),
            at(4_102_444_800, 5),
            at(1_234_567_890, 120_000_000),
        ] {
            assert_eq!(parse(&format(t)), Some(t));
        }
        // Go's RFC3339Nano drops trailing zeros, and the dot with them.
        assert_eq!(
            parse("2024-02-29T13:45:06.12Z"),
            Some(at(1_709_214_306, 120_000_000))
        );
        assert_eq!(parse("2024-02-29T13:45:06Z"), Some(at(1_709_214_306, 0)));
        assert_eq!(
            parse("2024-02-29T14:45:06.0000000011+01:00"),
            Some(at(1_709_214_306, 1))
        );
        assert_eq!(
            parse("2024-02-29T12:15:06-01:30"),
            Some(at(1_709_214_306, 0))
        );
        for bad in [
            "",
            "2024-02-29",
            "2024-02-29T13:45:06",
            "2024-13-01T00:00:00Z",
            "2024-02-29T13:45:06.Z",
            "2024-02-29T13:45:06Zjunk",
            "1969-12-31T23:59:59Z",
            "2024-0a-29T13:45:06Z",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
