//! The client side for nodes that are already part of the cluster, or joining it.

use rustls::ClientConfig;

use super::{config_error, provider, ALPN_H2, VERSIONS};
use crate::node_tls::root_store;
use crate::{NodeTls, RpcError};

/// The client configuration of a cluster node: presents the node's certificate and accepts
/// only servers whose certificate chains to the cluster root and carries the server name it is
/// dialled with (`shoal-manager` with [`crate::client::connect`]). ALPN `h2`.
pub fn client_config(tls: &NodeTls) -> Result<ClientConfig, RpcError> {
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(VERSIONS)
        .map_err(config_error("protocol versions"))?
        .with_root_certificates(root_store(&tls.root_cert_pem)?)
        .with_client_auth_cert(tls.chain()?, tls.key()?)
        .map_err(config_error("node certificate and key"))?;
    config.alpn_protocols = vec![ALPN_H2.to_vec()];
    Ok(config)
}

/// The client configuration of a joining node: no client certificate (it has none yet), and
/// the server must chain to `root_cert_pem`, the root fetched with
/// [`super::insecure_ca_fetch_config`] and checked against the join token's digest. Use it to
/// send the join token (`Ca.IssueNodeCertificate`): the secret then only ever goes to a
/// manager of the right cluster.
pub fn join_client_config(root_cert_pem: &str) -> Result<ClientConfig, RpcError> {
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(VERSIONS)
        .map_err(config_error("protocol versions"))?
        .with_root_certificates(root_store(root_cert_pem)?)
        .with_no_client_auth();
    config.alpn_protocols = vec![ALPN_H2.to_vec()];
    Ok(config)
}
