//! The crate's error type. Messages name the address involved and, for transport failures,
//! the whole cause chain (tonic's own top-level message is just "transport error").

use std::error::Error as StdError;
use std::net::SocketAddr;

/// What can go wrong setting up TLS, serving, or dialling.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    /// Key, certificate or root PEM could not be turned into a TLS configuration.
    #[error("invalid TLS {what}: {reason}")]
    Tls {
        /// Which part, e.g. "node private key", "root CA certificate".
        what: &'static str,
        /// Why it was refused.
        reason: String,
    },

    /// A PKI check failed (the node's own certificate, or the CA digest during join).
    #[error(transparent)]
    Ca(#[from] shoal_ca::CaError),

    /// An address to dial is not `host:port`.
    #[error("invalid address {addr:?}: {reason}; expected host:port, e.g. 10.0.0.1:2377")]
    InvalidAddress {
        /// The address as given.
        addr: String,
        /// Why it was refused.
        reason: String,
    },

    /// A connection (TCP, TLS or HTTP/2) to a peer could not be established.
    #[error("cannot connect to {addr}: {reason}")]
    Connect {
        /// The address dialled.
        addr: String,
        /// The cause chain.
        reason: String,
    },

    /// The server's listening socket could not be opened.
    #[error("cannot listen for RPCs on {addr}: {source}")]
    Bind {
        /// The address to listen on.
        addr: SocketAddr,
        /// The socket error.
        source: std::io::Error,
    },

    /// The RPC server stopped with an error.
    #[error("RPC server on {addr} failed: {reason}")]
    Serve {
        /// The address it listened on.
        addr: String,
        /// The cause chain.
        reason: String,
    },

    /// A peer answered an RPC with an error.
    #[error("{rpc} on {addr} failed: {} ({:?})", status.message(), status.code())]
    Call {
        /// The address called.
        addr: String,
        /// The RPC, e.g. "Ca.GetRootCaCertificate".
        rpc: &'static str,
        /// The peer's answer (boxed: `Status` is large).
        status: Box<tonic::Status>,
    },

    /// A peer answered with something that does not make sense.
    #[error("{addr} sent an invalid answer to {rpc}: {reason}")]
    BadAnswer {
        /// The address called.
        addr: String,
        /// The RPC.
        rpc: &'static str,
        /// What was wrong.
        reason: String,
    },
}

/// An error and its sources as one line, `a: b: c`, skipping a source whose message is already
/// part of the previous one (common when errors wrap and repeat).
pub(crate) fn chain(err: &(dyn StdError + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(e) = source {
        let msg = e.to_string();
        if !out.contains(&msg) {
            out.push_str(": ");
            out.push_str(&msg);
        }
        source = e.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn chain_joins_sources() {
        let e = Outer(std::io::Error::other("inner"));
        assert_eq!(chain(&e), "outer: inner");
    }
}
