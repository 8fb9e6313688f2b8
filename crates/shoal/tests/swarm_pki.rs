//! `swarm init` creates the cluster's PKI: a root CA whose digest is in the join tokens, the
//! first manager's certificate on disk (key 0600), and the CA key never shown by the API.

mod common;

use common::Daemon;
use std::os::unix::fs::PermissionsExt;

#[test]
fn init_creates_the_ca_tokens_and_node_certificate() {
    let d = Daemon::start("process");
    d.shoal_ok(&["swarm", "init"]);
    let (status, swarm) = d.http("GET", "/swarm", None);
    assert_eq!(status, 200);
    assert!(
        !swarm.contains("PRIVATE KEY"),
        "the CA key must never be on the API"
    );
    let v: serde_json::Value = serde_json::from_str(&swarm).unwrap();
    assert!(v["TLSInfo"]["TrustRoot"]
        .as_str()
        .unwrap()
        .starts_with("-----BEGIN CERTIFICATE-----"));
    let worker = v["JoinTokens"]["Worker"].as_str().unwrap().to_string();
    let manager = v["JoinTokens"]["Manager"].as_str().unwrap().to_string();
    let parts: Vec<&str> = worker.split('-').collect();
    assert_eq!(
        (parts[0], parts[1], parts[2].len(), parts[3].len()),
        ("SWMTKN", "1", 50, 25)
    );
    assert_eq!(
        parts[2],
        manager.split('-').nth(2).unwrap(),
        "same CA digest"
    );
    assert_ne!(worker, manager);

    let printed = d.shoal_ok(&["swarm", "join-token", "-q", "worker"]);
    assert_eq!(printed.trim(), worker);
    let rotated = d.shoal_ok(&["swarm", "join-token", "-q", "--rotate", "worker"]);
    let rotated = rotated.trim().lines().last().unwrap().to_string();
    assert_ne!(rotated, worker);
    assert_eq!(
        rotated.split('-').nth(2),
        Some(parts[2]),
        "rotation keeps the digest"
    );

    let certs = d.data_dir().join("swarm/certificates");
    let key = std::fs::metadata(certs.join("node.key")).unwrap();
    assert_eq!(key.permissions().mode() & 0o777, 0o600);
    let cert = std::fs::read_to_string(certs.join("node.crt")).unwrap();
    assert!(cert.starts_with("-----BEGIN CERTIFICATE-----"));
}
