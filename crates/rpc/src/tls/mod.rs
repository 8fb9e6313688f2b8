//! rustls configurations for every kind of connection between nodes.
//!
//! All of them use the `ring` provider and TLS 1.3 only (every peer is shoal), and negotiate
//! HTTP/2 by ALPN (`h2`), which gRPC needs.
//!
//! | config | presents | verifies the other side against |
//! |---|---|---|
//! | [`server_config`] | node cert | root, *if* the client sends a cert (optional) |
//! | [`client_config`] | node cert | root, server name `shoal-manager` |
//! | [`join_client_config`] | nothing | root, server name `shoal-manager` |
//! | [`insecure_ca_fetch_config`] | nothing | **nothing** (fetch the root, then check its digest) |
//!
//! The server name is chosen when dialling ([`crate::client`] uses
//! [`shoal_ca::MANAGER_OU`]): every manager certificate carries it as a DNS SAN, and worker
//! certificates do not, so a client can never be answered by a worker posing as a manager.

mod client;
mod insecure;
mod server;

use std::sync::Arc;

use rustls::crypto::CryptoProvider;

use crate::RpcError;

pub use client::{client_config, join_client_config};
pub use insecure::insecure_ca_fetch_config;
pub use server::server_config;

/// The ALPN protocol id of HTTP/2.
pub const ALPN_H2: &[u8] = b"h2";

/// The protocol versions shoal speaks.
pub(crate) const VERSIONS: &[&rustls::SupportedProtocolVersion] = &[&rustls::version::TLS13];

/// The crypto provider of every configuration: ring, as `shoal-ca`.
pub(crate) fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Maps a rustls configuration error.
pub(crate) fn config_error(what: &'static str) -> impl FnOnce(rustls::Error) -> RpcError {
    move |e| RpcError::Tls {
        what,
        reason: e.to_string(),
    }
}
