//! Conversions between `SystemTime` (the crate's public clock type) and X.509 dates.
//!
//! The crate never reads the clock: every function takes `now`, so tests can issue and check
//! certificates at any point in time.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use x509_parser::time::ASN1Time;

use crate::CaError;

/// Whole seconds since the Unix epoch (negative before it). X.509 dates have 1 s resolution.
fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        // Round towards the past so a backdated start never moves later.
        Err(e) => {
            let d = e.duration();
            let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
            i64::try_from(secs).map(|s| -s).unwrap_or(i64::MIN)
        }
    }
}

/// A `SystemTime` as an rcgen date, truncated to the second.
pub(crate) fn to_x509(t: SystemTime) -> Result<OffsetDateTime, CaError> {
    let secs = unix_seconds(t);
    OffsetDateTime::from_unix_timestamp(secs).map_err(|_| CaError::InvalidValidity {
        reason: format!("{} is outside the dates a certificate can hold", Rfc3339(t)),
    })
}

/// An X.509 date as a `SystemTime`.
pub(crate) fn from_asn1(t: ASN1Time) -> SystemTime {
    let secs = t.timestamp();
    if secs >= 0 {
        UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs())
    } else {
        UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
    }
}

/// Displays a `SystemTime` as `YYYY-MM-DDTHH:MM:SSZ` in error messages (the `Debug` form of
/// `SystemTime` is raw seconds and nanoseconds, which nobody can read).
pub(crate) struct Rfc3339(pub SystemTime);

impl fmt::Display for Rfc3339 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = unix_seconds(self.0);
        match OffsetDateTime::from_unix_timestamp(secs) {
            Ok(t) => write!(
                f,
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            ),
            Err(_) => write!(f, "unix time {secs}s"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_as_rfc3339() {
        let t = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(Rfc3339(t).to_string(), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn truncates_to_seconds_and_round_trips() {
        let t = UNIX_EPOCH + Duration::from_millis(1_700_000_000_900);
        let x = to_x509(t).unwrap();
        assert_eq!(x.unix_timestamp(), 1_700_000_000);
    }

    #[test]
    fn pre_epoch_rounds_down() {
        let t = UNIX_EPOCH - Duration::from_millis(1500);
        assert_eq!(unix_seconds(t), -2);
    }
}
