//! Proof that the certificates work for mutual TLS with rustls 0.23 (ring provider), the way
//! the RPC layer will use them: the server requires a client certificate chaining to the root,
//! the client checks the server against the root and a server name, and each side can read the
//! other's identity afterwards. The handshake runs over in-memory buffers.

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, ClientConnection, RootCertStore, ServerConfig, ServerConnection};
use shoal_ca::{cert_der_from_pem, identity_of, NodeKey, Role, RootCa, MANAGER_OU};

const CLUSTER: &str = "testcluster";

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A node's certificate chain and key in rustls' types.
struct Node {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

fn node(root: &RootCa, id: &str, role: Role, sans: &[String]) -> Node {
    let key = NodeKey::generate().unwrap();
    let now = SystemTime::now();
    let cert_pem = root
        .issue(
            &key.csr_pem(id).unwrap(),
            id,
            role,
            CLUSTER,
            sans,
            now,
            Duration::from_secs(3600),
        )
        .unwrap();
    let key_der = pem::parse(key.key_pem()).unwrap().into_contents();
    Node {
        chain: vec![CertificateDer::from(cert_der_from_pem(&cert_pem).unwrap())],
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_der)),
    }
}

fn roots(root: &RootCa) -> Arc<RootCertStore> {
    let mut store = RootCertStore::empty();
    store
        .add(CertificateDer::from(root.cert_der().to_vec()))
        .unwrap();
    Arc::new(store)
}

fn server_config(root: &RootCa, me: Node) -> Arc<ServerConfig> {
    let verifier = WebPkiClientVerifier::builder_with_provider(roots(root), provider())
        .build()
        .unwrap();
    let config = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(me.chain, me.key)
        .unwrap();
    Arc::new(config)
}

fn client_config(root: &RootCa, me: Node) -> Arc<ClientConfig> {
    let config = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_root_certificates(roots(root))
        .with_client_auth_cert(me.chain, me.key)
        .unwrap();
    Arc::new(config)
}

/// Moves TLS records between the two ends until neither has anything to send. Returns the
/// first error either side reports, prefixed with the side.
fn pump(client: &mut ClientConnection, server: &mut ServerConnection) -> Result<(), String> {
    for _ in 0..32 {
        let mut moved = false;
        let mut buf = Vec::new();
        while client.wants_write() {
            client.write_tls(&mut buf).unwrap();
        }
        if !buf.is_empty() {
            moved = true;
            let mut rd = buf.as_slice();
            while !rd.is_empty() {
                server.read_tls(&mut rd).unwrap();
            }
            server
                .process_new_packets()
                .map_err(|e| format!("server: {e}"))?;
        }
        let mut buf = Vec::new();
        while server.wants_write() {
            server.write_tls(&mut buf).unwrap();
        }
        if !buf.is_empty() {
            moved = true;
            let mut rd = buf.as_slice();
            while !rd.is_empty() {
                client.read_tls(&mut rd).unwrap();
            }
            client
                .process_new_packets()
                .map_err(|e| format!("client: {e}"))?;
        }
        if !moved {
            return Ok(());
        }
    }
    Err("handshake did not settle".into())
}

fn connect(
    server_cfg: Arc<ServerConfig>,
    client_cfg: Arc<ClientConfig>,
    name: ServerName<'static>,
) -> Result<(ClientConnection, ServerConnection), String> {
    let mut client = ClientConnection::new(client_cfg, name).unwrap();
    let mut server = ServerConnection::new(server_cfg).unwrap();
    pump(&mut client, &mut server)?;
    assert!(!client.is_handshaking() && !server.is_handshaking());
    Ok((client, server))
}

#[test]
fn worker_and_manager_complete_mutual_tls() {
    let root = RootCa::generate(SystemTime::now()).unwrap();
    let manager = node(&root, "manager0000000000000000001", Role::Manager, &[]);
    let worker = node(&root, "worker00000000000000000001", Role::Worker, &[]);
    let (mut client, mut server) = connect(
        server_config(&root, manager),
        client_config(&root, worker),
        ServerName::try_from(MANAGER_OU).unwrap(),
    )
    .unwrap();

    // Application data flows both ways.
    client.writer().write_all(b"ping").unwrap();
    pump(&mut client, &mut server).unwrap();
    let mut got = [0u8; 4];
    server.reader().read_exact(&mut got).unwrap();
    assert_eq!(&got, b"ping");
    server.writer().write_all(b"pong").unwrap();
    pump(&mut client, &mut server).unwrap();
    client.reader().read_exact(&mut got).unwrap();
    assert_eq!(&got, b"pong");

    // Each side reads the other's identity from the verified leaf.
    let caller = identity_of(&server.peer_certificates().unwrap()[0]).unwrap();
    assert_eq!(caller.role, Role::Worker);
    assert_eq!(caller.node_id, "worker00000000000000000001");
    assert_eq!(caller.cluster_id, CLUSTER);
    let callee = identity_of(&client.peer_certificates().unwrap()[0]).unwrap();
    assert_eq!(callee.role, Role::Manager);
}

#[test]
fn managers_can_be_dialled_by_node_id_or_address() {
    let root = RootCa::generate(SystemTime::now()).unwrap();
    let sans = ["127.0.0.1".to_string(), "mgr.example".to_string()];
    for name in ["manager0000000000000000002", "127.0.0.1", "mgr.example"] {
        let manager = node(&root, "manager0000000000000000002", Role::Manager, &sans);
        let other = node(&root, "manager0000000000000000003", Role::Manager, &[]);
        connect(
            server_config(&root, manager),
            client_config(&root, other),
            ServerName::try_from(name.to_string()).unwrap(),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn client_from_another_cluster_is_refused() {
    let root = RootCa::generate(SystemTime::now()).unwrap();
    let other_root = RootCa::generate(SystemTime::now()).unwrap();
    let manager = node(&root, "manager0000000000000000001", Role::Manager, &[]);
    let intruder = node(&other_root, "worker00000000000000000001", Role::Worker, &[]);
    // The intruder trusts our root (it fetched the CA cert), but its own cert is foreign.
    let err = connect(
        server_config(&root, manager),
        client_config(&root, intruder),
        ServerName::try_from(MANAGER_OU).unwrap(),
    )
    .unwrap_err();
    // Same issuer name (CN=shoal-ca), different key: webpki finds the anchor by name and
    // then refuses the signature.
    assert!(
        err.starts_with("server: invalid peer certificate: BadSignature"),
        "{err}"
    );
}

#[test]
fn worker_cannot_pose_as_manager() {
    // A worker's certificate does not carry the shoal-manager name, so a client dialling
    // "shoal-manager" refuses a worker that answers.
    let root = RootCa::generate(SystemTime::now()).unwrap();
    let worker = node(&root, "worker00000000000000000001", Role::Worker, &[]);
    let client = node(&root, "worker00000000000000000002", Role::Worker, &[]);
    let err = connect(
        server_config(&root, worker),
        client_config(&root, client),
        ServerName::try_from(MANAGER_OU).unwrap(),
    )
    .unwrap_err();
    assert!(err.starts_with("client:"), "{err}");
    assert!(
        err.contains("not valid for name \"shoal-manager\""),
        "{err}"
    );
}
