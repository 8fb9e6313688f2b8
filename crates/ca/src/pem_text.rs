//! PEM in and out. Keys, certificates and CSRs cross the crate boundary as PEM text (what goes
//! in files and RPC messages); the crypto works on DER.

use zeroize::Zeroizing;

use crate::CaError;

/// PEM label of certificates.
pub(crate) const CERTIFICATE: &str = "CERTIFICATE";
/// PEM label of PKCS#8 private keys.
pub(crate) const PRIVATE_KEY: &str = "PRIVATE KEY";
/// PEM label of PKCS#10 certificate signing requests.
pub(crate) const CSR: &str = "CERTIFICATE REQUEST";

/// The DER contents of the first PEM block in `text`, which must be labelled `label`.
/// The result is zeroized on drop because it may be a private key.
pub(crate) fn decode(
    what: &'static str,
    label: &'static str,
    text: &str,
) -> Result<Zeroizing<Vec<u8>>, CaError> {
    let invalid = |reason: String| CaError::InvalidPem {
        what,
        label,
        reason,
    };
    let block = pem::parse(text).map_err(|e| invalid(e.to_string()))?;
    if block.tag() != label {
        return Err(invalid(format!("found a {:?} block", block.tag())));
    }
    Ok(Zeroizing::new(block.into_contents()))
}

/// `der` as a PEM block labelled `label`, with `\n` line endings on every platform (the text
/// is hashed and compared by other nodes).
pub(crate) fn encode(label: &str, der: &[u8]) -> String {
    let config = pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF);
    pem::encode_config(&pem::Pem::new(label, der), config)
}

/// Like [`encode`], for secrets: the intermediate DER copy is wiped (best effort: the base-64
/// step inside the `pem` crate keeps short-lived buffers we cannot reach).
pub(crate) fn encode_secret(label: &str, der: &[u8]) -> Zeroizing<String> {
    use zeroize::Zeroize;
    let config = pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF);
    let block = pem::Pem::new(label, der);
    let text = Zeroizing::new(pem::encode_config(&block, config));
    block.into_contents().zeroize();
    text
}
