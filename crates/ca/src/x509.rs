//! Shared certificate plumbing: PEM to DER, parsing, validity windows.

use std::time::SystemTime;

use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

use crate::pem_text;
use crate::times::from_asn1;
use crate::CaError;

/// The DER bytes of the first certificate in a PEM string (what [`crate::RootCa::issue`]
/// returns); rustls and [`crate::identity_of`] take DER.
pub fn cert_der_from_pem(cert_pem: &str) -> Result<Vec<u8>, CaError> {
    pem_cert("certificate", cert_pem)
}

/// Decodes one "CERTIFICATE" PEM block, naming `what` in the error.
pub(crate) fn pem_cert(what: &'static str, cert_pem: &str) -> Result<Vec<u8>, CaError> {
    // Certificates are public: no need to keep the zeroizing wrapper.
    pem_text::decode(what, pem_text::CERTIFICATE, cert_pem).map(|der| der.to_vec())
}

/// Parses a DER certificate, refusing trailing bytes (they would not be covered by digests
/// computed by other tools over the same "certificate").
pub(crate) fn parse<'a>(what: &'static str, der: &'a [u8]) -> Result<X509Certificate<'a>, CaError> {
    let (rest, cert) =
        X509Certificate::from_der(der).map_err(|e| CaError::cert(what, e.to_string()))?;
    if !rest.is_empty() {
        return Err(CaError::cert(
            what,
            format!("{} unexpected bytes after the certificate", rest.len()),
        ));
    }
    Ok(cert)
}

/// Validity window of a parsed certificate.
pub(crate) fn validity(cert: &X509Certificate<'_>) -> (SystemTime, SystemTime) {
    let v = cert.validity();
    (from_asn1(v.not_before), from_asn1(v.not_after))
}

/// Refuses a certificate outside its validity window at `now` (bounds inclusive, as webpki).
pub(crate) fn check_valid_at(
    what: &'static str,
    cert: &X509Certificate<'_>,
    now: SystemTime,
) -> Result<(), CaError> {
    let (not_before, not_after) = validity(cert);
    if now < not_before {
        return Err(CaError::NotYetValid {
            what,
            not_before,
            now,
        });
    }
    if now > not_after {
        return Err(CaError::Expired {
            what,
            not_after,
            now,
        });
    }
    Ok(())
}

/// Whether the certificate says CA:true in its basic constraints.
pub(crate) fn is_ca(cert: &X509Certificate<'_>) -> Result<bool, CaError> {
    let bc = cert
        .basic_constraints()
        .map_err(|e| CaError::cert("root CA", format!("bad basic constraints: {e}")))?;
    Ok(bc.is_some_and(|bc| bc.value.ca))
}
