//! Join tokens through the public API.

use std::time::SystemTime;

use shoal_ca::token::{secrets_match, JoinToken, SECRET_LEN};
use shoal_ca::{CaError, RootCa, DIGEST_LEN};

#[test]
fn round_trip_with_a_real_ca() {
    let root = RootCa::generate(SystemTime::now()).unwrap();
    let worker = JoinToken::generate(&root.digest());
    let manager = JoinToken::generate(&root.digest());
    assert_eq!(worker.digest, manager.digest);
    assert!(!secrets_match(&worker.secret, &manager.secret));
    let text = worker.to_string();
    assert!(text.starts_with("SWMTKN-1-"), "{text}");
    let parsed = JoinToken::parse(&text).unwrap();
    assert_eq!(parsed, worker);
    assert!(secrets_match(&parsed.secret, &worker.secret));
    parsed.check_ca(root.cert_der()).unwrap();
}

#[test]
fn check_ca_refuses_another_ca() {
    let root = RootCa::generate(SystemTime::now()).unwrap();
    let other = RootCa::generate(SystemTime::now()).unwrap();
    let token = JoinToken::generate(&root.digest());
    let err = token.check_ca(other.cert_der()).unwrap_err();
    assert!(matches!(err, CaError::CaDigestMismatch { .. }), "{err}");
}

#[test]
fn bad_forms_are_refused_with_the_expected_form() {
    let d = "a".repeat(DIGEST_LEN);
    let s = "b".repeat(SECRET_LEN);
    assert!(JoinToken::parse(&format!("SWMTKN-1-{d}-{s}")).is_ok());
    let cases = [
        ("", "parts"),
        ("SWMTKN-1", "parts"),
        (&format!("XWMTKN-1-{d}-{s}") as &str, "start with SWMTKN"),
        (&format!("SWMTKN-2-{d}-{s}"), "version"),
        (&format!("SWMTKN-1-{d}-{s}-FIPS"), "parts"),
        (&format!("SWMTKN-1-{}-{s}", &d[1..]), "CA digest is 49"),
        (&format!("SWMTKN-1-{d}a-{s}"), "CA digest is 51"),
        (&format!("SWMTKN-1-{d}-{}", &s[1..]), "secret is 24"),
        (&format!("SWMTKN-1-{d}-{s}b"), "secret is 26"),
        (
            &format!("SWMTKN-1-{}!-{s}", &d[1..]),
            "characters other than",
        ),
        (
            &format!("SWMTKN-1-{d}-{}_", &s[1..]),
            "characters other than",
        ),
    ];
    for (token, why) in cases {
        let err = JoinToken::parse(token).unwrap_err();
        let msg = err.to_string();
        assert!(
            matches!(err, CaError::InvalidToken { .. }),
            "{token}: {msg}"
        );
        assert!(msg.contains(why), "{token}: {msg}");
        assert!(msg.contains("expected SWMTKN-1-<50"), "{token}: {msg}");
        // The message never echoes the secret back.
        assert!(!msg.contains(&s), "{msg}");
    }
}

#[test]
fn secrets_match_compares_exactly() {
    let t = JoinToken::generate(&"0".repeat(DIGEST_LEN));
    assert!(secrets_match(&t.secret, &t.secret.clone()));
    let mut other = t.secret.clone().into_bytes();
    other[SECRET_LEN - 1] = if other[SECRET_LEN - 1] == b'0' {
        b'1'
    } else {
        b'0'
    };
    assert!(!secrets_match(
        &t.secret,
        std::str::from_utf8(&other).unwrap()
    ));
    assert!(!secrets_match(&t.secret, &t.secret[..SECRET_LEN - 1]));
    assert!(!secrets_match(&t.secret, ""));
}
