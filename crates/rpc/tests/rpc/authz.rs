//! Who may call what: roles from certificates, anonymous callers, foreign certificates.

use shoal_ca::{verify_issued, NodeKey, Role};
use shoal_rpc::pb::{Empty, HeartbeatRequest, IssueNodeCertificateRequest, ProposeRequest};
use shoal_rpc::{client, tls, Caller, NodeTls, RpcError};
use tonic::Code;

use super::pki::{Pki, CLUSTER, MANAGER_ID, WORKER_ID};
use super::server::Running;
use super::services::{Event, HEARTBEAT_PERIOD, JOINED_ID};

#[tokio::test]
async fn raft_is_for_managers_only() {
    let pki = Pki::new();
    let server = Running::start(&pki, &pki.manager).await;

    let manager = client::connect(&server.addr, tls::client_config(&pki.manager).unwrap())
        .await
        .unwrap();
    let echoed = client::raft(manager)
        .propose(ProposeRequest {
            command: b"cmd".to_vec(),
        })
        .await
        .unwrap()
        .into_inner()
        .response;
    assert_eq!(echoed, b"cmd");

    let worker = client::connect(&server.addr, tls::client_config(&pki.worker).unwrap())
        .await
        .unwrap();
    let refused = client::raft(worker)
        .propose(ProposeRequest {
            command: b"cmd".to_vec(),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
    assert_eq!(
        refused.message(),
        format!(
            "shoal.v1.Raft/Propose needs a shoal-manager certificate; caller {WORKER_ID} is a \
             shoal-worker"
        )
    );
    server.stop().await;
}

#[tokio::test]
async fn worker_heartbeat_is_seen_with_its_identity() {
    let pki = Pki::new();
    let mut server = Running::start(&pki, &pki.manager).await;
    let channel = client::connect(&server.addr, tls::client_config(&pki.worker).unwrap())
        .await
        .unwrap();
    let period = client::dispatcher(channel)
        .heartbeat(HeartbeatRequest {
            node_id: WORKER_ID.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .period_nanos;
    assert_eq!(period, HEARTBEAT_PERIOD.as_nanos() as i64);
    assert_eq!(
        server.events.try_recv().unwrap(),
        Event::Heartbeat(Caller {
            node_id: WORKER_ID.into(),
            role: Role::Worker,
            cluster_id: CLUSTER.into(),
        })
    );
    server.stop().await;
}

#[tokio::test]
async fn without_a_certificate_only_the_ca_answers() {
    let pki = Pki::new();
    let mut server = Running::start(&pki, &pki.manager).await;
    let channel = client::connect(
        &server.addr,
        tls::join_client_config(pki.root.cert_pem()).unwrap(),
    )
    .await
    .unwrap();

    let root = client::ca(channel.clone())
        .get_root_ca_certificate(Empty {})
        .await
        .unwrap()
        .into_inner()
        .cert_pem;
    assert_eq!(root, pki.root.cert_pem().as_bytes());

    // The join: a CSR and the token give a worker certificate from our root.
    let key = NodeKey::generate().unwrap();
    let issued = client::ca(channel.clone())
        .issue_node_certificate(IssueNodeCertificateRequest {
            csr_pem: key.csr_pem("").unwrap(),
            token: server.worker_token.to_string(),
            node_id_hint: String::new(),
            availability: "active".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(issued.node_id, JOINED_ID);
    assert_eq!(issued.role, "shoal-worker");
    let der = shoal_ca::cert_der_from_pem(&issued.cert_pem).unwrap();
    let identity = verify_issued(pki.root.cert_der(), &der, std::time::SystemTime::now()).unwrap();
    assert_eq!(identity.role, Role::Worker);
    key.check_cert(&der).unwrap();

    for status in [
        client::dispatcher(channel.clone())
            .heartbeat(HeartbeatRequest {
                node_id: WORKER_ID.into(),
                ..Default::default()
            })
            .await
            .unwrap_err(),
        client::raft(channel)
            .propose(ProposeRequest { command: vec![] })
            .await
            .unwrap_err(),
    ] {
        assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");
        assert!(
            status.message().contains("the client presented none"),
            "{}",
            status.message()
        );
    }

    // With the certificate it just got, the node is a worker of the cluster.
    let joined = NodeTls {
        key_pem: key.key_pem().to_owned(),
        cert_pem: issued.cert_pem,
        root_cert_pem: pki.root.cert_pem().to_owned(),
    };
    let channel = client::connect(&server.addr, tls::client_config(&joined).unwrap())
        .await
        .unwrap();
    client::dispatcher(channel)
        .heartbeat(HeartbeatRequest {
            node_id: JOINED_ID.into(),
            ..Default::default()
        })
        .await
        .unwrap();
    match server.events.try_recv().unwrap() {
        Event::Heartbeat(caller) => assert_eq!(caller.node_id, JOINED_ID),
        other => panic!("{other:?}"),
    }
    server.stop().await;
}

#[tokio::test]
async fn a_certificate_from_another_root_gets_nothing() {
    let pki = Pki::new();
    let mut server = Running::start(&pki, &pki.manager).await;
    // TLS 1.3: the server refuses the certificate after the client's side of the handshake is
    // done, so the failure may surface at connect or at the first call.
    match client::connect(&server.addr, tls::client_config(&pki.intruder).unwrap()).await {
        Err(e) => assert!(matches!(e, RpcError::Connect { .. }), "{e}"),
        Ok(channel) => {
            let err = client::dispatcher(channel.clone())
                .heartbeat(HeartbeatRequest {
                    node_id: "intruder000000000000000001".into(),
                    ..Default::default()
                })
                .await
                .unwrap_err();
            assert_ne!(err.code(), Code::Ok);
            client::ca(channel)
                .get_root_ca_certificate(Empty {})
                .await
                .unwrap_err();
        }
    }
    assert!(server.events.try_recv().is_err(), "no call got through");
    server.stop().await;
}

#[tokio::test]
async fn a_server_from_another_root_is_refused() {
    let pki = Pki::new();
    let impostor = super::pki::node(&pki.other_root, MANAGER_ID, Role::Manager, "other");
    let server = Running::start(&pki, &impostor).await;
    let err = client::connect(&server.addr, tls::client_config(&pki.worker).unwrap())
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!("cannot connect to {}: ", server.addr)),
        "{msg}"
    );
    assert!(msg.contains("TLS handshake failed"), "{msg}");
    assert!(msg.contains("invalid peer certificate"), "{msg}");
    server.stop().await;
}
