//! shoal's PKI: the cluster root CA, node keys and certificates, join tokens and renewal
//! timing, following Swarm's `ca/` package (see `/work/shared/swarm-semantics.md`, "Security").
//!
//! Everything here is pure apart from randomness (keys, serials, token secrets): no I/O, no
//! clock (callers pass `now`). The RPC layer uses it like this:
//!
//! - `swarm init`: [`RootCa::generate`], then [`JoinToken::generate`] twice (worker, manager)
//!   with [`RootCa::digest`]; the manager issues its own certificate from a [`NodeKey`].
//! - `swarm join`: [`JoinToken::parse`]; fetch the CA certificate without verification and
//!   [`JoinToken::check_ca`] it; [`NodeKey::generate`] and send [`NodeKey::csr_pem`] with the
//!   secret; the CA compares it with [`token::secrets_match`] and answers with
//!   [`RootCa::issue`]; the node checks the answer with [`verify_issued`] and
//!   [`NodeKey::check_cert`].
//! - Every RPC: mutual TLS rooted at the CA certificate; the server reads the caller's
//!   [`NodeIdentity`] with [`identity_of`] and authorises by [`Role`].
//! - Renewal: [`renewal_at`] on the certificate's validity.
//!
//! **Why `ring` rather than `aws-lc-rs`.** Both rcgen and rustls default to aws-lc-rs, whose
//! build compiles a large C library through cmake: minutes on the project's 2-core machines, and
//! one more system tool to have installed. ring builds with just a C compiler in seconds, covers
//! everything shoal needs (ECDSA P-256, SHA-256, TLS 1.3), and is what x509-parser's signature
//! verification uses anyway, so the whole PKI and TLS stack shares one backend. We need neither
//! FIPS mode nor post-quantum algorithms, the reasons to prefer aws-lc-rs.

#![warn(missing_docs)]

mod digest;
mod error;
mod identity;
mod issuer;
mod keys;
mod names;
mod node_key;
mod pem_text;
mod renewal;
mod role;
mod root;
mod times;
pub mod token;
mod x509;

pub use digest::{digest_of, DIGEST_LEN};
pub use error::CaError;
pub use identity::{identity_of, verify_issued, NodeIdentity};
pub use issuer::{issuing_root, root_info, split_pem_bundle, RootInfo};
pub use node_key::NodeKey;
pub use renewal::{renewal_at, RENEW_FROM, RENEW_UNTIL};
pub use role::{Role, MANAGER_OU, WORKER_OU};
pub use root::{RootCa, CERT_BACKDATE, DEFAULT_NODE_CERT_VALIDITY, ROOT_CN, ROOT_VALIDITY};
pub use token::JoinToken;
pub use x509::cert_der_from_pem;
