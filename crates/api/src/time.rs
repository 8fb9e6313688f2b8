//! Timestamps as the Engine API writes them: RFC 3339 with nanoseconds, UTC.
//!
//! Held as nanoseconds since the Unix epoch so the core can do arithmetic without a clock.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A point in time, nanoseconds since the Unix epoch; 0 is Go's zero time on the wire.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The wall clock now; only the I/O shells call this, the core takes time as a parameter.
    pub fn now() -> Timestamp {
        let d = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(d.as_nanos() as i64)
    }

    pub fn is_zero(&self) -> bool {
        self.0 == 0
    }

    pub fn plus(self, d: Duration) -> Timestamp {
        Timestamp(self.0.saturating_add(d.as_nanos() as i64))
    }

    /// Time elapsed from `earlier` to `self`, zero when `earlier` is later.
    pub fn since(self, earlier: Timestamp) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0).max(0) as u64)
    }

    pub fn to_rfc3339(self) -> String {
        if self.0 <= 0 {
            return "0001-01-01T00:00:00Z".to_string();
        }
        let st = UNIX_EPOCH + Duration::from_nanos(self.0 as u64);
        humantime::format_rfc3339_nanos(st).to_string()
    }

    pub fn parse(s: &str) -> Option<Timestamp> {
        if s.is_empty() || s.starts_with("0001-01-01") {
            return Some(Timestamp(0));
        }
        let st = humantime::parse_rfc3339_weak(s.trim_end_matches('Z')).ok()?;
        let d = st.duration_since(UNIX_EPOCH).ok()?;
        Some(Timestamp(d.as_nanos() as i64))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Timestamp::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("invalid timestamp {s:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_rfc3339() {
        let t = Timestamp(1_700_000_000_123_456_789);
        let s = t.to_rfc3339();
        assert_eq!(s, "2023-11-14T22:13:20.123456789Z");
        assert_eq!(Timestamp::parse(&s), Some(t));
    }

    #[test]
    fn zero_is_go_zero_time() {
        assert_eq!(Timestamp(0).to_rfc3339(), "0001-01-01T00:00:00Z");
        assert_eq!(Timestamp::parse("0001-01-01T00:00:00Z"), Some(Timestamp(0)));
    }
}
