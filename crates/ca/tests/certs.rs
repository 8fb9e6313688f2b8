//! Root CA, node keys, issuance and verification, end to end through the public API.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use shoal_ca::{
    cert_der_from_pem, digest_of, identity_of, renewal_at, verify_issued, CaError, NodeKey, Role,
    RootCa, CERT_BACKDATE, DEFAULT_NODE_CERT_VALIDITY, DIGEST_LEN, ROOT_VALIDITY,
};

const DAY: Duration = Duration::from_secs(86_400);
const NODE: &str = "abcdefghij0123456789klmno";
const CLUSTER: &str = "cluster0123456789abcdefgh";

/// A fixed, whole-second instant so validity bounds compare exactly.
fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

fn issue(root: &RootCa, key: &NodeKey, role: Role, now: SystemTime, validity: Duration) -> Vec<u8> {
    let csr = key.csr_pem(NODE).unwrap();
    let pem = root
        .issue(&csr, NODE, role, CLUSTER, &[], now, validity)
        .unwrap();
    cert_der_from_pem(&pem).unwrap()
}

#[test]
fn root_generate_from_pem_round_trip() {
    let root = RootCa::generate(t0()).unwrap();
    assert!(root.cert_pem().starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert!(root.key_pem().starts_with("-----BEGIN PRIVATE KEY-----\n"));
    let again = RootCa::from_pem(root.cert_pem(), root.key_pem()).unwrap();
    assert_eq!(again.cert_der(), root.cert_der());
    assert_eq!(again.cert_pem(), root.cert_pem());
    assert_eq!(again.key_pem(), root.key_pem());
    assert_eq!(again.digest(), root.digest());
    // The loaded root can still sign.
    let key = NodeKey::generate().unwrap();
    let cert = issue(&again, &key, Role::Worker, t0(), DAY);
    root.verify(&cert, t0()).unwrap();
    // The debug form never shows the key.
    assert!(!format!("{root:?}").contains("PRIVATE"));
}

#[test]
fn root_validity_is_20_years_backdated() {
    let root = RootCa::generate(t0()).unwrap();
    root.check_valid_at(t0()).unwrap();
    root.check_valid_at(t0() - CERT_BACKDATE).unwrap();
    root.check_valid_at(t0() + ROOT_VALIDITY).unwrap();
    assert!(matches!(
        root.check_valid_at(t0() + ROOT_VALIDITY + DAY),
        Err(CaError::Expired { .. })
    ));
}

#[test]
fn root_from_pem_refuses_mismatched_key_and_non_ca() {
    let a = RootCa::generate(t0()).unwrap();
    let b = RootCa::generate(t0()).unwrap();
    assert!(matches!(
        RootCa::from_pem(a.cert_pem(), b.key_pem()),
        Err(CaError::KeyMismatch { .. })
    ));
    // A node certificate is not a CA.
    let key = NodeKey::generate().unwrap();
    let pem = a
        .issue(
            &key.csr_pem(NODE).unwrap(),
            NODE,
            Role::Manager,
            CLUSTER,
            &[],
            t0(),
            DAY,
        )
        .unwrap();
    let err = RootCa::from_pem(&pem, key.key_pem()).unwrap_err();
    assert!(err.to_string().contains("not a CA"), "{err}");
    // Wrong PEM blocks are named in the message.
    let err = RootCa::from_pem(a.key_pem(), a.key_pem()).unwrap_err();
    assert!(matches!(err, CaError::InvalidPem { .. }), "{err}");
    assert!(err.to_string().contains("CERTIFICATE"), "{err}");
    assert!(RootCa::from_pem(a.cert_pem(), "garbage").is_err());
}

#[test]
fn digest_is_50_base36_chars_and_stable() {
    let root = RootCa::generate(t0()).unwrap();
    let d = root.digest();
    assert_eq!(d.len(), DIGEST_LEN);
    assert!(d
        .bytes()
        .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()));
    assert_eq!(d, root.digest());
    assert_eq!(d, digest_of(root.cert_der()));
    let reloaded = RootCa::from_pem(root.cert_pem(), root.key_pem()).unwrap();
    assert_eq!(reloaded.digest(), d);
    assert_ne!(RootCa::generate(t0()).unwrap().digest(), d);
}

#[test]
fn worker_cert_carries_identity() {
    let root = RootCa::generate(t0()).unwrap();
    let key = NodeKey::generate().unwrap();
    let cert = issue(&root, &key, Role::Worker, t0(), DEFAULT_NODE_CERT_VALIDITY);
    let id = identity_of(&cert).unwrap();
    assert_eq!(id.node_id, NODE);
    assert_eq!(id.role, Role::Worker);
    assert_eq!(id.cluster_id, CLUSTER);
    assert_eq!(id.not_before, t0() - CERT_BACKDATE);
    assert_eq!(id.not_after, t0() + DEFAULT_NODE_CERT_VALIDITY);
    assert_eq!(verify_issued(root.cert_der(), &cert, t0()).unwrap(), id);
    key.check_cert(&cert).unwrap();
}

#[test]
fn manager_cert_has_role_and_sans() {
    let root = RootCa::generate(t0()).unwrap();
    let key = NodeKey::generate().unwrap();
    let sans = vec!["10.0.0.7".to_string(), "mgr-1.example.com".to_string()];
    let pem = root
        .issue(
            &key.csr_pem("").unwrap(),
            NODE,
            Role::Manager,
            CLUSTER,
            &sans,
            t0(),
            DAY,
        )
        .unwrap();
    let der = cert_der_from_pem(&pem).unwrap();
    assert_eq!(identity_of(&der).unwrap().role, Role::Manager);
    // Read the SANs and EKUs back with an independent parser.
    let (_, cert) = x509_parser::parse_x509_certificate(&der).unwrap();
    let san = cert.subject_alternative_name().unwrap().unwrap().value;
    let names: Vec<String> = san.general_names.iter().map(|n| n.to_string()).collect();
    assert_eq!(
        names,
        [
            "DNSName(shoal-manager)",
            &format!("DNSName({NODE})"),
            "IPAddress(0a:00:00:07)",
            "DNSName(mgr-1.example.com)"
        ]
    );
    let eku = cert.extended_key_usage().unwrap().unwrap().value;
    assert!(eku.client_auth && eku.server_auth);
    assert!(!cert.is_ca());
}

#[test]
fn csr_subject_is_ignored() {
    // The requester cannot choose its identity: the CA writes the subject.
    let root = RootCa::generate(t0()).unwrap();
    let key = NodeKey::generate().unwrap();
    let csr = key.csr_pem("i-want-to-be-someone-else").unwrap();
    let pem = root
        .issue(&csr, NODE, Role::Worker, CLUSTER, &[], t0(), DAY)
        .unwrap();
    assert_eq!(
        identity_of(&cert_der_from_pem(&pem).unwrap())
            .unwrap()
            .node_id,
        NODE
    );
}

#[test]
fn verify_rejects_other_root_expired_and_early() {
    let root = RootCa::generate(t0()).unwrap();
    let other = RootCa::generate(t0()).unwrap();
    let key = NodeKey::generate().unwrap();
    let foreign = issue(&other, &key, Role::Worker, t0(), DAY);
    let err = verify_issued(root.cert_der(), &foreign, t0()).unwrap_err();
    assert!(matches!(err, CaError::NotIssuedByRoot { .. }), "{err}");

    let cert = issue(&root, &key, Role::Worker, t0(), DAY);
    let err = verify_issued(root.cert_der(), &cert, t0() + 2 * DAY).unwrap_err();
    assert!(
        matches!(err, CaError::Expired { what: "node", .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("expired at 2027-01-16T08:00:00Z"),
        "{err}"
    );
    // Far in the future even the root has expired.
    let far = t0() + ROOT_VALIDITY + 365 * DAY;
    assert!(matches!(
        verify_issued(root.cert_der(), &cert, far),
        Err(CaError::Expired { .. })
    ));
    // Within the backdate window it is valid, before it not.
    verify_issued(root.cert_der(), &cert, t0() - CERT_BACKDATE).unwrap();
    let err = verify_issued(root.cert_der(), &cert, t0() - 2 * CERT_BACKDATE).unwrap_err();
    assert!(matches!(err, CaError::NotYetValid { .. }), "{err}");
}

#[test]
fn verify_rejects_same_name_different_key() {
    // Two roots share the subject "CN=shoal-ca": the signature check must catch it.
    let root = RootCa::generate(t0()).unwrap();
    let impostor = RootCa::generate(t0()).unwrap();
    let key = NodeKey::generate().unwrap();
    let cert = issue(&impostor, &key, Role::Manager, t0(), DAY);
    let err = verify_issued(root.cert_der(), &cert, t0()).unwrap_err();
    assert!(err.to_string().contains("signature"), "{err}");
}

#[test]
fn verify_refuses_a_node_cert_as_root() {
    let root = RootCa::generate(t0()).unwrap();
    let key = NodeKey::generate().unwrap();
    let cert = issue(&root, &key, Role::Worker, t0(), DAY);
    assert!(verify_issued(&cert, &cert, t0()).is_err());
}

/// Flips one bit of a CSR's DER and re-encodes it.
fn tamper(csr_pem: &str, at: impl Fn(usize) -> usize) -> String {
    let block = pem::parse(csr_pem).unwrap();
    let mut der = block.contents().to_vec();
    let i = at(der.len());
    der[i] ^= 0x01;
    pem::encode(&pem::Pem::new("CERTIFICATE REQUEST", der))
}

#[test]
fn csr_with_bad_signature_is_refused() {
    let root = RootCa::generate(t0()).unwrap();
    let key = NodeKey::generate().unwrap();
    let csr = key.csr_pem("node-aaaaaaaaaaaaaaaaaaaa").unwrap();
    // Last byte: inside the signature value.
    let bad_sig = tamper(&csr, |len| len - 1);
    let err = root
        .issue(&bad_sig, NODE, Role::Worker, CLUSTER, &[], t0(), DAY)
        .unwrap_err();
    assert!(matches!(err, CaError::CsrSignature), "{err}");
    // A changed subject byte: the signature no longer covers the content.
    let der = pem::parse(&csr).unwrap().contents().to_vec();
    let pos = der.windows(4).position(|w| w == b"aaaa").unwrap();
    let altered = tamper(&csr, |_| pos);
    let err = root
        .issue(&altered, NODE, Role::Worker, CLUSTER, &[], t0(), DAY)
        .unwrap_err();
    assert!(matches!(err, CaError::CsrSignature), "{err}");
}

#[test]
fn issue_refuses_bad_inputs() {
    let root = RootCa::generate(t0()).unwrap();
    let key = NodeKey::generate().unwrap();
    let csr = key.csr_pem(NODE).unwrap();
    let issue = |csr: &str, node: &str, cluster: &str, sans: &[String], validity| {
        root.issue(csr, node, Role::Worker, cluster, sans, t0(), validity)
    };
    assert!(matches!(
        issue("not a csr", NODE, CLUSTER, &[], DAY),
        Err(CaError::InvalidPem { .. })
    ));
    assert!(matches!(
        issue(root.cert_pem(), NODE, CLUSTER, &[], DAY),
        Err(CaError::InvalidPem { .. })
    ));
    assert!(matches!(
        issue(&csr, "Bad_Id", CLUSTER, &[], DAY),
        Err(CaError::InvalidName {
            field: "node id",
            ..
        })
    ));
    assert!(matches!(
        issue(&csr, NODE, "", &[], DAY),
        Err(CaError::InvalidName {
            field: "cluster id",
            ..
        })
    ));
    assert!(matches!(
        issue(&csr, NODE, CLUSTER, &["10.0.0.1:2377".into()], DAY),
        Err(CaError::InvalidName { .. })
    ));
    assert!(matches!(
        issue(&csr, NODE, CLUSTER, &[], Duration::ZERO),
        Err(CaError::InvalidValidity { .. })
    ));
}

#[test]
fn node_cert_never_outlives_the_root() {
    let root = RootCa::generate(t0()).unwrap();
    let key = NodeKey::generate().unwrap();
    let late = t0() + ROOT_VALIDITY - DAY;
    let cert = issue(&root, &key, Role::Worker, late, DEFAULT_NODE_CERT_VALIDITY);
    let id = identity_of(&cert).unwrap();
    assert_eq!(id.not_after, t0() + ROOT_VALIDITY);
}

#[test]
fn node_key_round_trip_and_mismatch() {
    let key = NodeKey::generate().unwrap();
    let again = NodeKey::from_pem(key.key_pem()).unwrap();
    assert_eq!(again.key_pem(), key.key_pem());
    assert!(!format!("{key:?}").contains("PRIVATE"));
    let root = RootCa::generate(t0()).unwrap();
    let cert = issue(&root, &key, Role::Worker, t0(), DAY);
    again.check_cert(&cert).unwrap();
    let other = NodeKey::generate().unwrap();
    assert!(matches!(
        other.check_cert(&cert),
        Err(CaError::KeyMismatch { what: "node" })
    ));
    assert!(NodeKey::from_pem(root.cert_pem()).is_err());
}

#[test]
fn renewal_falls_in_50_to_80_percent_of_a_real_cert() {
    let root = RootCa::generate(t0()).unwrap();
    let key = NodeKey::generate().unwrap();
    let cert = issue(&root, &key, Role::Worker, t0(), DEFAULT_NODE_CERT_VALIDITY);
    let id = identity_of(&cert).unwrap();
    let span = id.not_after.duration_since(id.not_before).unwrap();
    for jitter in [0.0, 0.25, 0.5, 0.999] {
        let at = renewal_at(id.not_before, id.not_after, jitter);
        let into = at.duration_since(id.not_before).unwrap();
        assert!(
            into >= span.mul_f64(0.5) && into <= span.mul_f64(0.8),
            "{jitter}"
        );
    }
}
