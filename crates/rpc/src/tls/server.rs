//! The server side: every node that serves RPCs (managers).

use rustls::server::WebPkiClientVerifier;
use rustls::ServerConfig;

use super::{config_error, provider, ALPN_H2, VERSIONS};
use crate::node_tls::root_store;
use crate::{NodeTls, RpcError};

/// The server configuration of a node: presents the node's certificate; client certificates
/// are optional but, when present, must chain to the cluster root (so joining nodes, which have
/// none yet, can call the Ca RPCs, and everyone else is authenticated). Whether a call needs a
/// certificate is decided per service by [`crate::server::RpcServer`] from the verified peer
/// certificate. ALPN `h2`.
pub fn server_config(tls: &NodeTls) -> Result<ServerConfig, RpcError> {
    let verifier =
        WebPkiClientVerifier::builder_with_provider(root_store(&tls.root_cert_pem)?, provider())
            .allow_unauthenticated()
            .build()
            .map_err(|e| RpcError::Tls {
                what: "root CA certificate",
                reason: e.to_string(),
            })?;
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(VERSIONS)
        .map_err(config_error("protocol versions"))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(tls.chain()?, tls.key()?)
        .map_err(config_error("node certificate and key"))?;
    config.alpn_protocols = vec![ALPN_H2.to_vec()];
    Ok(config)
}
