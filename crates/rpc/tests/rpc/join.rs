//! Fetching the root CA without verification, trusted only through the join token's digest.

use shoal_ca::{CaError, JoinToken};
use shoal_rpc::pb::Empty;
use shoal_rpc::{client, join, tls, RpcError};

use super::pki::Pki;
use super::server::Running;

#[tokio::test]
async fn insecure_fetch_then_digest_check() {
    let pki = Pki::new();
    let server = Running::start(&pki, &pki.manager).await;

    // By hand: the client knows nothing about the server's certificate.
    let channel = client::connect(&server.addr, tls::insecure_ca_fetch_config().unwrap())
        .await
        .unwrap();
    let pem = client::ca(channel)
        .get_root_ca_certificate(Empty {})
        .await
        .unwrap()
        .into_inner()
        .cert_pem;
    let der = shoal_ca::cert_der_from_pem(std::str::from_utf8(&pem).unwrap()).unwrap();
    let ours = JoinToken::generate(&pki.root.digest());
    let theirs = JoinToken::generate(&pki.other_root.digest());
    ours.check_ca(&der).unwrap();
    assert!(matches!(
        theirs.check_ca(&der),
        Err(CaError::CaDigestMismatch { .. })
    ));

    // The helper does the same.
    let fetched = join::fetch_root_ca(&server.addr, &ours).await.unwrap();
    assert_eq!(fetched, pki.root.cert_pem());
    let err = join::fetch_root_ca(&server.addr, &theirs)
        .await
        .unwrap_err();
    assert!(
        matches!(err, RpcError::Ca(CaError::CaDigestMismatch { .. })),
        "{err}"
    );
    server.stop().await;
}
