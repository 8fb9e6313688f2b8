//! Join tokens: `SWMTKN-1-<CA digest>-<secret>`, exactly Swarm's format.
//!
//! The digest (50 base-36 characters) lets a joining node trust the CA certificate it fetches
//! over an unauthenticated connection; the secret (128 random bits, 25 base-36 characters)
//! proves to the CA that the node may join, and as which role: the worker and manager tokens
//! share the digest and differ in secret. Rotating a token changes only the secret.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

use crate::digest::{base36_fixed, digest_of, is_base36, DIGEST_LEN};
use crate::CaError;

/// Fixed first part of every token.
pub const PREFIX: &str = "SWMTKN";
/// Token format version.
pub const VERSION: &str = "1";
/// Length of the secret in base 36: 36^25 > 2^128.
pub const SECRET_LEN: usize = 25;

/// A parsed or freshly generated join token.
#[derive(Clone, PartialEq, Eq)]
pub struct JoinToken {
    /// Digest of the root CA certificate ([`crate::digest_of`]), lowercase base 36.
    pub digest: String,
    /// The secret part, lowercase base 36.
    pub secret: String,
}

/// Redacts the secret: tokens end up in logs via `{:?}` more often than anyone intends.
impl fmt::Debug for JoinToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinToken")
            .field("digest", &self.digest)
            .field("secret", &"[elided]")
            .finish()
    }
}

/// The token as users paste it: `SWMTKN-1-<digest>-<secret>`.
impl fmt::Display for JoinToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PREFIX}-{VERSION}-{}-{}", self.digest, self.secret)
    }
}

impl FromStr for JoinToken {
    type Err = CaError;
    fn from_str(s: &str) -> Result<JoinToken, CaError> {
        JoinToken::parse(s)
    }
}

impl JoinToken {
    /// A new token for the CA with digest `digest` ([`crate::RootCa::digest`]), with a fresh
    /// 128-bit secret from the thread-local CSPRNG.
    pub fn generate(digest: &str) -> JoinToken {
        let secret = rand::random::<u128>();
        JoinToken {
            digest: digest.to_owned(),
            secret: base36_fixed(&secret.to_be_bytes(), SECRET_LEN),
        }
    }

    /// Parses a token, with an error naming what is wrong and the expected form.
    /// Surrounding whitespace is ignored and letters are accepted in either case (tokens are
    /// pasted by hand); the result is lowercase.
    pub fn parse(s: &str) -> Result<JoinToken, CaError> {
        let invalid = |reason: String| CaError::InvalidToken { reason };
        let s = s.trim();
        let parts: Vec<&str> = s.split('-').collect();
        if parts.len() != 4 {
            return Err(invalid(format!(
                "it has {} '-'-separated parts instead of 4",
                parts.len()
            )));
        }
        if parts[0] != PREFIX {
            return Err(invalid(format!("it does not start with {PREFIX}-")));
        }
        if parts[1] != VERSION {
            return Err(invalid(format!(
                "unsupported token version {:?}, only {VERSION} exists",
                parts[1]
            )));
        }
        let digest = parts[2].to_ascii_lowercase();
        let secret = parts[3].to_ascii_lowercase();
        for (name, value, len) in [
            ("CA digest", &digest, DIGEST_LEN),
            ("secret", &secret, SECRET_LEN),
        ] {
            if value.len() != len {
                return Err(invalid(format!(
                    "the {name} is {} characters long instead of {len}",
                    value.len()
                )));
            }
            if !is_base36(value) {
                return Err(invalid(format!(
                    "the {name} has characters other than 0-9 and a-z"
                )));
            }
        }
        Ok(JoinToken { digest, secret })
    }

    /// Checks that a CA certificate (DER), fetched without verification, is the one this
    /// token was made for.
    pub fn check_ca(&self, ca_cert_der: &[u8]) -> Result<(), CaError> {
        let found = digest_of(ca_cert_der);
        if found == self.digest {
            Ok(())
        } else {
            Err(CaError::CaDigestMismatch {
                expected: self.digest.clone(),
                found,
            })
        }
    }
}

/// Compares two secrets in time independent of where they differ (and of their lengths), so a
/// network attacker cannot guess a token one character at a time.
pub fn secrets_match(a: &str, b: &str) -> bool {
    // Hashing first makes both sides 32 bytes, so the lengths leak nothing either.
    let (ha, hb) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    let diff = ha
        .iter()
        .zip(hb.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // Keep the optimiser from turning the fold into an early-exit comparison.
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest() -> String {
        digest_of(b"some ca")
    }

    #[test]
    fn generate_parse_round_trip() {
        let t = JoinToken::generate(&digest());
        assert_eq!(t.secret.len(), SECRET_LEN);
        assert!(is_base36(&t.secret));
        let s = t.to_string();
        assert!(s.starts_with("SWMTKN-1-"));
        assert_eq!(s.len(), 9 + DIGEST_LEN + 1 + SECRET_LEN);
        assert_eq!(JoinToken::parse(&s).unwrap(), t);
        assert_eq!(s.parse::<JoinToken>().unwrap(), t);
        assert_ne!(JoinToken::generate(&digest()).secret, t.secret);
    }

    #[test]
    fn lenient_about_case_and_whitespace() {
        let t = JoinToken::generate(&digest());
        let pasted = format!("  {}\n", t.to_string().to_uppercase());
        assert_eq!(JoinToken::parse(&pasted).unwrap(), t);
    }

    #[test]
    fn debug_hides_the_secret() {
        let t = JoinToken::generate(&digest());
        assert!(!format!("{t:?}").contains(&t.secret));
    }

    #[test]
    fn secrets_compare() {
        assert!(secrets_match("abc", "abc"));
        assert!(!secrets_match("abc", "abd"));
        assert!(!secrets_match("abc", "abcd"));
        assert!(secrets_match("", ""));
    }
}
