//! ECDSA P-256 key pairs, the only kind shoal uses (as Swarm): small, fast to sign with, and
//! accepted by every TLS stack.

use std::ops::Deref;

use rcgen::{KeyPair, PKCS_ECDSA_P256_SHA256};
use rustls_pki_types::PrivatePkcs8KeyDer;
use zeroize::{Zeroize, Zeroizing};

use crate::pem_text;
use crate::CaError;

/// A parsed private key that wipes its PKCS#8 copy when dropped.
///
/// Parsed keys are kept only for the duration of one operation; the long-lived form is the PEM
/// text in a `Zeroizing<String>`. (The backend's own expanded key is outside our reach.)
pub(crate) struct Key(KeyPair);

impl Deref for Key {
    type Target = KeyPair;
    fn deref(&self) -> &KeyPair {
        &self.0
    }
}

impl Drop for Key {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl Key {
    /// A fresh P-256 key.
    pub(crate) fn generate(what: &'static str) -> Result<Key, CaError> {
        KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)
            .map(Key)
            .map_err(|e| CaError::crypto(what, e))
    }

    /// Parses an unencrypted PKCS#8 ("PRIVATE KEY") P-256 key.
    pub(crate) fn from_pem(what: &'static str, key_pem: &str) -> Result<Key, CaError> {
        let der = pem_text::decode(what, pem_text::PRIVATE_KEY, key_pem)?;
        let pkcs8 = PrivatePkcs8KeyDer::from(der.as_slice());
        let key = KeyPair::try_from(&pkcs8)
            .map(Key)
            .map_err(|e| CaError::InvalidKey {
                what,
                reason: e.to_string(),
            })?;
        if key.algorithm() != &PKCS_ECDSA_P256_SHA256 {
            return Err(CaError::InvalidKey {
                what,
                reason: format!("it is a {:?} key", key.algorithm()),
            });
        }
        Ok(key)
    }

    /// The key as PKCS#8 PEM.
    pub(crate) fn to_pem(&self) -> Zeroizing<String> {
        pem_text::encode_secret(pem_text::PRIVATE_KEY, self.serialized_der())
    }
}
