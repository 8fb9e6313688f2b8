//! The crate's one error type.
//!
//! Messages say what was wrong and, where the caller can do something about it, what to do.
//! They never include key material or token secrets.

use std::time::SystemTime;

use crate::times::Rfc3339;

/// Everything that can go wrong in the PKI layer.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    /// The crypto backend failed to generate or use a key (should not happen on a sane host).
    #[error("crypto failure while {doing}: {reason}")]
    Crypto {
        /// What the crate was doing, e.g. "generating the root CA key".
        doing: &'static str,
        /// The backend's message.
        reason: String,
    },

    /// A PEM input could not be decoded.
    #[error("invalid {what} PEM: {reason}; expected a \"-----BEGIN {label}-----\" block")]
    InvalidPem {
        /// What was being read, e.g. "root CA certificate".
        what: &'static str,
        /// The PEM label that was expected.
        label: &'static str,
        /// Why decoding failed.
        reason: String,
    },

    /// A private key could not be used (wrong format or unsupported algorithm).
    #[error(
        "invalid {what} private key: {reason}; shoal expects an unencrypted PKCS#8 \
         (\"PRIVATE KEY\") ECDSA P-256 key"
    )]
    InvalidKey {
        /// Which key, e.g. "root CA".
        what: &'static str,
        /// Why it was refused.
        reason: String,
    },

    /// A certificate could not be parsed or lacks something shoal relies on.
    #[error("invalid {what} certificate: {reason}")]
    InvalidCertificate {
        /// Which certificate, e.g. "root CA", "node".
        what: &'static str,
        /// Why it was refused.
        reason: String,
    },

    /// A private key does not belong to the certificate it was paired with.
    #[error(
        "the {what} key does not match the {what} certificate; make sure the key and \
         certificate belong together (a node's certificate must be issued for its own CSR)"
    )]
    KeyMismatch {
        /// Which pair, e.g. "root CA", "node".
        what: &'static str,
    },

    /// A certificate signing request was refused.
    #[error("invalid certificate signing request: {reason}")]
    InvalidCsr {
        /// Why it was refused.
        reason: String,
    },

    /// The CSR's signature does not verify with its own public key: it was tampered with or
    /// its requester does not hold the private key.
    #[error(
        "certificate signing request signature does not verify: the request was altered or \
         was not signed by the key it carries"
    )]
    CsrSignature,

    /// A name (node id, cluster id, SAN) cannot go into a certificate.
    #[error("invalid {field} {value:?} for a certificate: {reason}")]
    InvalidName {
        /// Which field, e.g. "node id".
        field: &'static str,
        /// The offending value.
        value: String,
        /// What is allowed.
        reason: &'static str,
    },

    /// A validity period was empty, or does not fit in an X.509 date.
    #[error("invalid certificate validity: {reason}")]
    InvalidValidity {
        /// What was wrong.
        reason: String,
    },

    /// A certificate was not signed by the expected root CA.
    #[error(
        "certificate was not issued by this cluster's root CA ({reason}); the peer belongs to \
         another cluster or its certificate predates a CA rotation"
    )]
    NotIssuedByRoot {
        /// Which check failed.
        reason: &'static str,
    },

    /// A certificate (node or root) has expired.
    #[error(
        "{what} certificate expired at {} (now {}); the node must renew it, or rejoin the \
         swarm if it was offline for too long",
        Rfc3339(*.not_after),
        Rfc3339(*.now)
    )]
    Expired {
        /// "node" or "root CA".
        what: &'static str,
        /// End of validity.
        not_after: SystemTime,
        /// The time it was checked against.
        now: SystemTime,
    },

    /// A certificate (node or root) is not valid yet: usually clock skew between nodes.
    #[error(
        "{what} certificate is not valid before {} (now {}); check that the nodes' clocks \
         are synchronised",
        Rfc3339(*.not_before),
        Rfc3339(*.now)
    )]
    NotYetValid {
        /// "node" or "root CA".
        what: &'static str,
        /// Start of validity.
        not_before: SystemTime,
        /// The time it was checked against.
        now: SystemTime,
    },

    /// A join token was malformed.
    #[error(
        "invalid join token: {reason}; expected SWMTKN-1-<50 base-36 characters>-<25 base-36 \
         characters>, as printed by `shoal swarm join-token worker|manager`"
    )]
    InvalidToken {
        /// What was wrong with it.
        reason: String,
    },

    /// The CA certificate a joining node fetched does not match the join token's digest.
    #[error(
        "the remote CA certificate does not match the join token (token expects digest {expected}, \
         CA has {found}); check the token, or the address you are joining: it may not be this \
         swarm's manager"
    )]
    CaDigestMismatch {
        /// The digest in the token.
        expected: String,
        /// The digest of the fetched CA certificate.
        found: String,
    },
}

impl CaError {
    /// Shorthand for a [`CaError::Crypto`] from an rcgen error.
    pub(crate) fn crypto(doing: &'static str, err: impl std::fmt::Display) -> CaError {
        CaError::Crypto {
            doing,
            reason: err.to_string(),
        }
    }

    /// Shorthand for a [`CaError::InvalidCertificate`].
    pub(crate) fn cert(what: &'static str, reason: impl Into<String>) -> CaError {
        CaError::InvalidCertificate {
            what,
            reason: reason.into(),
        }
    }
}
