//! Root bundles and issuers, for CA rotation: while a cluster moves to a new root, nodes
//! trust a bundle of two roots and the managers track which root issued each node's
//! certificate (Docker shows it as `TLSInfo.CertIssuerSubject` / `CertIssuerPublicKey`).

use std::time::SystemTime;

use crate::identity::verify_issued;
use crate::x509::{cert_der_from_pem, parse};
use crate::CaError;

/// A root as `TLSInfo` names it: its subject and its public key (SubjectPublicKeyInfo), DER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootInfo {
    /// The root's subject, DER.
    pub subject_der: Vec<u8>,
    /// The root's SubjectPublicKeyInfo, DER.
    pub public_key_der: Vec<u8>,
}

/// The subject and public key of a root certificate (DER).
pub fn root_info(root_der: &[u8]) -> Result<RootInfo, CaError> {
    let cert = parse("root CA", root_der)?;
    Ok(RootInfo {
        subject_der: cert.subject().as_raw().to_vec(),
        public_key_der: cert.public_key().raw.to_vec(),
    })
}

/// Every certificate of a PEM bundle, as its own PEM text, in order.
pub fn split_pem_bundle(bundle: &str) -> Vec<String> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let mut out = Vec::new();
    let mut rest = bundle;
    while let Some(start) = rest.find(BEGIN) {
        let Some(len) = rest[start..].find(END) else {
            break;
        };
        let end = start + len + END.len();
        out.push(format!("{}\n", &rest[start..end]));
        rest = &rest[end..];
    }
    out
}

/// Which root of `bundle` (PEM) issued `leaf_der`, checked as [`verify_issued`] does; the
/// index in the bundle.
pub fn issuing_root(bundle: &str, leaf_der: &[u8], now: SystemTime) -> Option<usize> {
    split_pem_bundle(bundle).iter().position(|pem| {
        cert_der_from_pem(pem)
            .ok()
            .is_some_and(|root| verify_issued(&root, leaf_der, now).is_ok())
    })
}
