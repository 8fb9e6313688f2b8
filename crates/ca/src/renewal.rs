//! When a node should renew its certificate.
//!
//! Swarm's rule: at a uniformly random point between 50% and 80% of the validity period. The
//! randomness spreads renewals of nodes that joined together, and the 20% margin leaves time to
//! retry while managers are unreachable. The caller supplies the random number, so this stays a
//! pure function.

use std::time::SystemTime;

/// Earliest renewal point, as a fraction of the validity period.
pub const RENEW_FROM: f64 = 0.5;
/// Latest renewal point, as a fraction of the validity period.
pub const RENEW_UNTIL: f64 = 0.8;

/// The time to renew a certificate valid from `not_before` to `not_after`.
///
/// `jitter` in `[0, 1)` picks the point in the window (values outside are clamped, NaN counts
/// as 0). An empty or inverted validity period renews at once, i.e. at `not_before`.
pub fn renewal_at(not_before: SystemTime, not_after: SystemTime, jitter: f64) -> SystemTime {
    let Ok(period) = not_after.duration_since(not_before) else {
        return not_before;
    };
    let jitter = if jitter.is_nan() {
        0.0
    } else {
        jitter.clamp(0.0, 1.0)
    };
    let fraction = RENEW_FROM + (RENEW_UNTIL - RENEW_FROM) * jitter;
    not_before + period.mul_f64(fraction)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    const DAY: Duration = Duration::from_secs(86_400);

    #[test]
    fn window_is_50_to_80_percent() {
        let nb = UNIX_EPOCH + 1000 * DAY;
        let na = nb + 100 * DAY;
        assert_eq!(renewal_at(nb, na, 0.0), nb + 50 * DAY);
        assert_eq!(renewal_at(nb, na, 0.5), nb + 65 * DAY);
        assert_eq!(renewal_at(nb, na, 1.0), nb + 80 * DAY);
    }

    #[test]
    fn odd_inputs() {
        let nb = UNIX_EPOCH + 1000 * DAY;
        let na = nb + 100 * DAY;
        assert_eq!(renewal_at(nb, na, -3.0), nb + 50 * DAY);
        assert_eq!(renewal_at(nb, na, 7.0), nb + 80 * DAY);
        assert_eq!(renewal_at(nb, na, f64::NAN), nb + 50 * DAY);
        assert_eq!(renewal_at(na, nb, 0.5), na);
    }
}
