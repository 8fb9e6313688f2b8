//! A node's own key pair and its certificate signing requests.
//!
//! The key is generated on the node and never leaves it: the node sends a CSR (public key plus
//! a signature proving it holds the private key) and receives a certificate back.

use std::fmt;

use rcgen::{CertificateParams, DistinguishedName, DnType};
use zeroize::Zeroizing;

use crate::keys::Key;
use crate::x509::parse;
use crate::CaError;

/// A node's private key (ECDSA P-256), kept as PKCS#8 PEM and wiped on drop.
pub struct NodeKey {
    key_pem: Zeroizing<String>,
}

impl fmt::Debug for NodeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NodeKey([elided])")
    }
}

impl NodeKey {
    /// A fresh key.
    pub fn generate() -> Result<NodeKey, CaError> {
        let key = Key::generate("generating a node key")?;
        Ok(NodeKey {
            key_pem: key.to_pem(),
        })
    }

    /// Loads a key saved with [`NodeKey::key_pem`] (unencrypted PKCS#8, P-256).
    pub fn from_pem(key_pem: &str) -> Result<NodeKey, CaError> {
        let key = Key::from_pem("node", key_pem)?;
        Ok(NodeKey {
            key_pem: key.to_pem(),
        })
    }

    /// The key as PKCS#8 PEM, to save in the node's state directory (mode 0600).
    pub fn key_pem(&self) -> &str {
        &self.key_pem
    }

    /// A PEM CSR for this key. `node_id` goes in the subject's CN as a hint only (it may be
    /// empty, e.g. before the CA has assigned one): the CA writes the real subject.
    pub fn csr_pem(&self, node_id: &str) -> Result<String, CaError> {
        let key = Key::from_pem("node", &self.key_pem)?;
        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        if !node_id.is_empty() {
            params.distinguished_name.push(DnType::CommonName, node_id);
        }
        let csr = params
            .serialize_request(&*key)
            .map_err(|e| CaError::crypto("creating a certificate signing request", e))?;
        csr.pem()
            .map_err(|e| CaError::crypto("encoding a certificate signing request", e))
    }

    /// Checks that `cert_der` certifies this key, before the node replaces its certificate with
    /// one the CA sent back.
    pub fn check_cert(&self, cert_der: &[u8]) -> Result<(), CaError> {
        let key = Key::from_pem("node", &self.key_pem)?;
        let cert = parse("node", cert_der)?;
        if cert.public_key().subject_public_key.data.as_ref() == key.public_key_raw() {
            Ok(())
        } else {
            Err(CaError::KeyMismatch { what: "node" })
        }
    }
}
