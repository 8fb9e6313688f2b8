//! Reading who a peer is from its certificate, and checking the certificate came from our CA.
//!
//! The RPC layer calls [`verify_issued`] (or relies on rustls to do the chain check and then
//! calls [`identity_of`] on the peer's leaf certificate) and authorises each call by the
//! returned [`NodeIdentity::role`].

use std::time::SystemTime;

use x509_parser::certificate::X509Certificate;
use x509_parser::x509::AttributeTypeAndValue;

use crate::x509::{check_valid_at, is_ca, parse, validity};
use crate::{CaError, Role};

/// What a node certificate says about its holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeIdentity {
    /// The node's id (subject CN).
    pub node_id: String,
    /// Manager or worker (subject OU).
    pub role: Role,
    /// The cluster the certificate belongs to (subject O).
    pub cluster_id: String,
    /// Start of validity (already backdated by the issuer, see [`crate::CERT_BACKDATE`]).
    pub not_before: SystemTime,
    /// End of validity.
    pub not_after: SystemTime,
}

/// Reads the identity in a node certificate (DER) without checking who signed it.
///
/// Use on a certificate whose chain was already verified (e.g. by rustls during the handshake);
/// otherwise use [`verify_issued`].
pub fn identity_of(cert_der: &[u8]) -> Result<NodeIdentity, CaError> {
    let cert = parse("node", cert_der)?;
    identity_of_parsed(&cert)
}

/// Checks that `cert_der` was signed by the root CA `root_cert_der`, that both are valid at
/// `now`, and returns the node's identity.
///
/// This is the whole check a joining node needs for the certificate the CA returned, and the
/// check the RPC layer can repeat on a peer's leaf after the handshake.
pub fn verify_issued(
    root_cert_der: &[u8],
    cert_der: &[u8],
    now: SystemTime,
) -> Result<NodeIdentity, CaError> {
    let root = parse("root CA", root_cert_der)?;
    if !is_ca(&root)? {
        return Err(CaError::cert(
            "root CA",
            "it is not a CA certificate (basic constraints CA:true missing)",
        ));
    }
    check_valid_at("root CA", &root, now)?;

    let cert = parse("node", cert_der)?;
    // Cheap name check first: it gives a clearer reason than a failed signature.
    if cert.issuer().as_raw() != root.subject().as_raw() {
        return Err(CaError::NotIssuedByRoot {
            reason: "its issuer name is not the root CA's subject",
        });
    }
    cert.verify_signature(Some(root.public_key()))
        .map_err(|_| CaError::NotIssuedByRoot {
            reason: "its signature does not verify with the root CA's key",
        })?;
    // A node certificate that is itself a CA could mint identities; never accept one.
    if is_ca(&cert)? {
        return Err(CaError::cert("node", "it is a CA certificate"));
    }
    check_valid_at("node", &cert, now)?;
    identity_of_parsed(&cert)
}

/// [`identity_of`] on an already parsed certificate.
fn identity_of_parsed(cert: &X509Certificate<'_>) -> Result<NodeIdentity, CaError> {
    let subject = cert.subject();
    let node_id = single("common name (node id)", subject.iter_common_name())?;
    let cluster_id = single("organization (cluster id)", subject.iter_organization())?;
    // Exactly one OU, and it must name a role: several OUs would make the role ambiguous.
    let ou = single(
        "organizational unit (role)",
        subject.iter_organizational_unit(),
    )?;
    let role = Role::from_ou(&ou).ok_or_else(|| {
        CaError::cert(
            "node",
            format!("unknown role {ou:?} in its OU; expected shoal-manager or shoal-worker"),
        )
    })?;
    let (not_before, not_after) = validity(cert);
    Ok(NodeIdentity {
        node_id,
        role,
        cluster_id,
        not_before,
        not_after,
    })
}

/// The one value of a subject attribute; none or several is an error.
fn single<'a, 'b: 'a>(
    what: &'static str,
    mut values: impl Iterator<Item = &'a AttributeTypeAndValue<'b>>,
) -> Result<String, CaError> {
    let first = values
        .next()
        .ok_or_else(|| CaError::cert("node", format!("its subject has no {what}")))?;
    if values.next().is_some() {
        return Err(CaError::cert(
            "node",
            format!("its subject has more than one {what}"),
        ));
    }
    first
        .as_str()
        .map(str::to_owned)
        .map_err(|_| CaError::cert("node", format!("its {what} is not a string")))
}
