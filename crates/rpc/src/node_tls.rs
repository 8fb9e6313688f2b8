//! A node's TLS material, as PEM text, and its conversion into rustls' types.

use std::fmt;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::RootCertStore;
use shoal_ca::NodeIdentity;

use crate::RpcError;

/// TLS material of a node: its key, its certificate, the cluster root.
#[derive(Clone)]
pub struct NodeTls {
    /// The node's private key, unencrypted PKCS#8 PEM (`shoal_ca::NodeKey::key_pem`).
    pub key_pem: String,
    /// The node's certificate, PEM, issued by the cluster root (optionally followed by
    /// intermediates).
    pub cert_pem: String,
    /// The cluster's root CA certificate, PEM: the only trust anchor for peers.
    pub root_cert_pem: String,
}

/// Elides the key: this struct ends up in logs via `{:?}` sooner or later.
impl fmt::Debug for NodeTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeTls")
            .field("key_pem", &"[elided]")
            .field("cert_pem", &self.cert_pem)
            .field("root_cert_pem", &self.root_cert_pem)
            .finish()
    }
}

impl NodeTls {
    /// What the node's own certificate says: node id, role, cluster id, validity.
    pub fn identity(&self) -> Result<NodeIdentity, RpcError> {
        let der = shoal_ca::cert_der_from_pem(&self.cert_pem)?;
        Ok(shoal_ca::identity_of(&der)?)
    }

    /// The node's certificate chain, leaf first.
    pub(crate) fn chain(&self) -> Result<Vec<CertificateDer<'static>>, RpcError> {
        certificates("node certificate", &self.cert_pem)
    }

    /// The node's private key.
    pub(crate) fn key(&self) -> Result<PrivateKeyDer<'static>, RpcError> {
        PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes()).map_err(|e| RpcError::Tls {
            what: "node private key",
            reason: format!("{e}; expected a \"-----BEGIN PRIVATE KEY-----\" block"),
        })
    }
}

/// A root store holding exactly the cluster's root certificate(s).
pub(crate) fn root_store(root_cert_pem: &str) -> Result<Arc<RootCertStore>, RpcError> {
    let mut store = RootCertStore::empty();
    for cert in certificates("root CA certificate", root_cert_pem)? {
        store.add(cert).map_err(|e| RpcError::Tls {
            what: "root CA certificate",
            reason: e.to_string(),
        })?;
    }
    Ok(Arc::new(store))
}

/// Every "CERTIFICATE" block in `pem`; at least one.
fn certificates(what: &'static str, pem: &str) -> Result<Vec<CertificateDer<'static>>, RpcError> {
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| RpcError::Tls {
            what,
            reason: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(RpcError::Tls {
            what,
            reason: "no \"-----BEGIN CERTIFICATE-----\" block found".into(),
        });
    }
    Ok(certs)
}
