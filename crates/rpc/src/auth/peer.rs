//! What the server learns about the other end of a connection during the TLS handshake.

use std::net::SocketAddr;

use rustls::pki_types::CertificateDer;

use super::Caller;

/// The client side of a connection, as seen by the server: its address and the identity in its
/// verified certificate. The server attaches it to every request (it is tonic's
/// `Connected::ConnectInfo` for shoal's TLS connections); read it with [`super::peer`].
#[derive(Debug, Clone)]
pub struct Peer {
    remote_addr: Option<SocketAddr>,
    identity: Identity,
}

/// What the certificate said.
#[derive(Debug, Clone)]
enum Identity {
    /// No client certificate.
    Anonymous,
    /// A shoal node certificate.
    Node(Caller),
    /// A certificate that chains to the root but is not a readable node certificate.
    Unreadable(String),
}

impl Peer {
    /// From a finished handshake: `certs` is the verified chain, leaf first (rustls'
    /// `peer_certificates`).
    pub(crate) fn from_handshake(
        remote_addr: Option<SocketAddr>,
        certs: Option<&[CertificateDer<'_>]>,
    ) -> Peer {
        let identity = match certs.and_then(|c| c.first()) {
            None => Identity::Anonymous,
            Some(leaf) => match shoal_ca::identity_of(leaf) {
                Ok(id) => Identity::Node(Caller {
                    node_id: id.node_id,
                    role: id.role,
                    cluster_id: id.cluster_id,
                }),
                Err(e) => Identity::Unreadable(e.to_string()),
            },
        };
        Peer {
            remote_addr,
            identity,
        }
    }

    /// A peer without a certificate (tests).
    #[cfg(test)]
    pub(crate) fn anonymous(remote_addr: Option<SocketAddr>) -> Peer {
        Peer {
            remote_addr,
            identity: Identity::Anonymous,
        }
    }

    /// A peer with a known identity (tests).
    #[cfg(test)]
    pub(crate) fn with_caller(remote_addr: Option<SocketAddr>, caller: Caller) -> Peer {
        Peer {
            remote_addr,
            identity: Identity::Node(caller),
        }
    }

    /// The client's address (as the server sees it: after any NAT).
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        self.remote_addr
    }

    /// The client's identity; `None` without a certificate or with an unreadable one.
    pub fn caller(&self) -> Option<&Caller> {
        match &self.identity {
            Identity::Node(caller) => Some(caller),
            _ => None,
        }
    }

    /// The identity, `Ok(None)` without a certificate, `Err(why)` if it could not be read.
    pub(crate) fn identity(&self) -> Result<Option<&Caller>, &str> {
        match &self.identity {
            Identity::Anonymous => Ok(None),
            Identity::Node(caller) => Ok(Some(caller)),
            Identity::Unreadable(why) => Err(why),
        }
    }
}
