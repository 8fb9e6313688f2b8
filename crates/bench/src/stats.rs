//! Samples of one figure (some trials may have timed out) and their summary: median, min,
//! max, formatted in the figure's unit.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Values in seconds, shown as s (or ms below 1 s).
    Seconds,
    /// Values in bytes, shown as MB (10^6 bytes).
    Bytes,
    /// Events per second, shown as "1234/s".
    PerSecond,
}

/// One figure's trials; `None` is a trial that hit its deadline.
#[derive(Debug, Clone)]
pub struct Samples {
    pub unit: Unit,
    pub values: Vec<Option<f64>>,
}

impl Samples {
    pub fn new(unit: Unit) -> Samples {
        Samples {
            unit,
            values: Vec::new(),
        }
    }

    pub fn one(unit: Unit, v: f64) -> Samples {
        Samples {
            unit,
            values: vec![Some(v)],
        }
    }

    pub fn push_time(&mut self, d: Option<Duration>) {
        self.values.push(d.map(|d| d.as_secs_f64()));
    }

    fn done(&self) -> Vec<f64> {
        let mut v: Vec<f64> = self.values.iter().flatten().copied().collect();
        v.sort_by(f64::total_cmp);
        v
    }

    pub fn timeouts(&self) -> usize {
        self.values.iter().filter(|v| v.is_none()).count()
    }

    /// Median of the trials that finished; None if none did or any timed out.
    pub fn median(&self) -> Option<f64> {
        if self.timeouts() > 0 {
            return None;
        }
        let v = self.done();
        match v.len() {
            0 => None,
            n if n % 2 == 1 => Some(v[n / 2]),
            n => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
        }
    }

    /// The `q` quantile (0..=1) of the trials that finished, interpolated linearly between
    /// the two nearest ranks (so p50 is the median); None if none finished.
    pub fn percentile(&self, q: f64) -> Option<f64> {
        let v = self.done();
        if v.is_empty() {
            return None;
        }
        let pos = q.clamp(0.0, 1.0) * (v.len() - 1) as f64;
        let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
        Some(v[lo] + (v[hi] - v[lo]) * (pos - lo as f64))
    }

    /// Smallest and largest of the trials that finished.
    pub fn range(&self) -> Option<(f64, f64)> {
        let v = self.done();
        Some((*v.first()?, *v.last()?))
    }

    pub fn fmt_value(&self, x: f64) -> String {
        match self.unit {
            Unit::Seconds if x < 0.01 => format!("{:.2} ms", x * 1000.0),
            Unit::Seconds if x < 0.1 => format!("{:.1} ms", x * 1000.0),
            Unit::Seconds if x < 1.0 => format!("{:.0} ms", x * 1000.0),
            Unit::Seconds if x < 10.0 => format!("{x:.2} s"),
            Unit::Seconds => format!("{x:.1} s"),
            Unit::Bytes => format!("{:.1} MB", x / 1e6),
            Unit::PerSecond => format!("{x:.0}/s"),
        }
    }

    /// "1.23 s (1.10–1.40, n=3)", or "timeout (2 of 3)".
    pub fn summary(&self) -> String {
        let v = self.done();
        let n = self.values.len();
        if n == 0 {
            return "—".into();
        }
        if self.timeouts() > 0 {
            let done = if v.is_empty() {
                String::new()
            } else {
                format!(
                    "; the others {}–{}",
                    self.fmt_value(v[0]),
                    self.fmt_value(v[v.len() - 1])
                )
            };
            return format!("timeout ({} of {n}{done})", self.timeouts());
        }
        let med = self.median().unwrap_or(f64::NAN);
        if n == 1 {
            return self.fmt_value(med);
        }
        format!(
            "{} ({}–{}, n={n})",
            self.fmt_value(med),
            self.fmt_value(v[0]),
            self.fmt_value(v[n - 1])
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_summary() {
        let mut s = Samples::new(Unit::Seconds);
        for x in [3.0, 1.0, 2.0] {
            s.values.push(Some(x));
        }
        assert_eq!(s.median(), Some(2.0));
        assert_eq!(s.summary(), "2.00 s (1.00 s–3.00 s, n=3)");
        s.values.push(Some(0.5));
        assert_eq!(s.median(), Some(1.5));
        s.values.push(None);
        assert_eq!(s.median(), None);
        assert!(s.summary().starts_with("timeout (1 of 5"));
        assert_eq!(Samples::one(Unit::Bytes, 12_345_678.0).summary(), "12.3 MB");
        assert_eq!(Samples::one(Unit::Seconds, 0.0123).summary(), "12.3 ms");
        assert_eq!(Samples::one(Unit::Seconds, 0.00042).summary(), "0.42 ms");
        assert_eq!(Samples::one(Unit::Seconds, 0.123).summary(), "123 ms");
        assert_eq!(Samples::one(Unit::PerSecond, 812.4).summary(), "812/s");
    }

    #[test]
    fn percentiles_interpolate() {
        let mut s = Samples::new(Unit::Seconds);
        assert_eq!(s.percentile(0.5), None);
        for x in 1..=10 {
            s.values.push(Some(x as f64));
        }
        s.values.push(None);
        assert_eq!(s.percentile(0.5), Some(5.5));
        assert!((s.percentile(0.95).unwrap() - 9.55).abs() < 1e-9);
        assert_eq!(s.percentile(1.0), Some(10.0));
        assert_eq!(s.range(), Some((1.0, 10.0)));
    }
}
