//! The CA digest carried in join tokens, and the base-36 encoding Swarm uses for it.
//!
//! A joining node fetches the CA certificate over an unauthenticated connection and trusts it
//! only if its digest matches the one in the token, so the token is the trust anchor. Swarm
//! hashes the PEM bundle; shoal hashes the DER certificate, which has exactly one encoding (PEM
//! line endings and trailing newlines vary with whoever wrote the file).

use sha2::{Digest, Sha256};

/// Length of a digest in base 36: 36^50 > 2^256, so any sha256 fits.
pub const DIGEST_LEN: usize = 50;

const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// The digest of a CA certificate (DER) as written in join tokens: sha256, base 36, lowercase,
/// left-padded with `0` to exactly [`DIGEST_LEN`] characters.
pub fn digest_of(cert_der: &[u8]) -> String {
    let hash = Sha256::digest(cert_der);
    base36_fixed(&hash, DIGEST_LEN)
}

/// Encodes a big-endian unsigned number in base 36, left-padded with `0` to `width`.
/// `width` must be large enough for the number (callers pass fixed sizes that are).
pub(crate) fn base36_fixed(big_endian: &[u8], width: usize) -> String {
    // Schoolbook long division by 36, least significant digit first; the inputs are at most 32
    // bytes, so the quadratic cost is irrelevant and no bignum crate is needed.
    let mut n = big_endian.to_vec();
    let mut digits = Vec::with_capacity(width);
    while n.iter().any(|&b| b != 0) {
        let mut rem = 0u32;
        for byte in n.iter_mut() {
            let cur = (rem << 8) | u32::from(*byte);
            *byte = (cur / 36) as u8;
            rem = cur % 36;
        }
        digits.push(ALPHABET[rem as usize]);
    }
    debug_assert!(
        digits.len() <= width,
        "number does not fit in {width} digits"
    );
    while digits.len() < width {
        digits.push(b'0');
    }
    digits.reverse();
    String::from_utf8(digits).unwrap_or_default()
}

/// Whether `s` is made only of lowercase base-36 digits.
pub(crate) fn is_base36(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_numbers() {
        assert_eq!(base36_fixed(&[0], 3), "000");
        assert_eq!(base36_fixed(&[35], 3), "00z");
        assert_eq!(base36_fixed(&[36], 3), "010");
        assert_eq!(base36_fixed(&[1, 0], 3), "074"); // 256 = 7*36 + 4
    }

    #[test]
    fn matches_u128_formatting() {
        // Cross-check the long division against native arithmetic.
        for n in [1u128, 12345678901234567890, u128::MAX] {
            let mut expect = Vec::new();
            let mut m = n;
            while m > 0 {
                expect.push(ALPHABET[(m % 36) as usize]);
                m /= 36;
            }
            expect.reverse();
            let got = base36_fixed(&n.to_be_bytes(), 25);
            assert_eq!(
                got.trim_start_matches('0'),
                String::from_utf8(expect).unwrap()
            );
            assert_eq!(got.len(), 25);
        }
    }

    #[test]
    fn max_sha256_fits_in_50() {
        let max = base36_fixed(&[0xff; 32], DIGEST_LEN);
        assert_eq!(max.len(), DIGEST_LEN);
        assert!(is_base36(&max));
    }

    #[test]
    fn digest_is_50_base36_and_stable() {
        let d = digest_of(b"hello");
        assert_eq!(d.len(), DIGEST_LEN);
        assert!(is_base36(&d));
        assert_eq!(d, digest_of(b"hello"));
        assert_ne!(d, digest_of(b"hello!"));
    }
}
