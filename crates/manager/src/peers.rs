//! Channels to the other managers, one per address, presenting this node's certificate: the
//! transport of raft messages, forwarded writes and relayed heartbeats.

use crate::pki::NodeCerts;
use shoal_raft::{RaftTransport, TransportError};
use shoal_rpc::{client, pb, tls};
use std::collections::HashMap;
use std::sync::Mutex;
use tonic::transport::Channel;

/// Channels to peer managers, one per address, presenting this node's certificate.
pub struct Peers {
    certs: Mutex<NodeCerts>,
    channels: Mutex<HashMap<String, Channel>>,
}

impl Peers {
    pub fn new(certs: NodeCerts) -> Peers {
        Peers {
            certs: Mutex::new(certs),
            channels: Mutex::new(HashMap::new()),
        }
    }

    /// New certificates (renewal, CA rotation): channels opened from now on present them.
    pub fn use_certs(&self, certs: NodeCerts) {
        *self.certs.lock().unwrap_or_else(|p| p.into_inner()) = certs;
        self.channels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    pub fn channel(&self, addr: &str) -> Result<Channel, String> {
        let mut map = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(ch) = map.get(addr) {
            return Ok(ch.clone());
        }
        let certs = self.certs.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let cfg = tls::client_config(&crate::pki::node_tls(&certs)).map_err(|e| e.to_string())?;
        let ch = client::connect_lazy(addr, cfg).map_err(|e| e.to_string())?;
        map.insert(addr.to_string(), ch.clone());
        Ok(ch)
    }
}

/// Which raft message a payload is.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    Append,
    Vote,
    Snapshot,
}

impl Peers {
    async fn send(&self, kind: Kind, addr: &str, data: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        let mut c = client::raft(self.channel(addr).map_err(TransportError)?);
        let msg = pb::RaftPayload { data };
        let answer = match kind {
            Kind::Append => c.append_entries(msg).await,
            Kind::Vote => c.vote(msg).await,
            Kind::Snapshot => c.install_snapshot(msg).await,
        };
        answer
            .map(|r| r.into_inner().data)
            .map_err(|s| TransportError(s.message().to_string()))
    }
}

#[async_trait::async_trait]
impl RaftTransport for Peers {
    async fn append_entries(
        &self,
        _t: u64,
        addr: &str,
        p: Vec<u8>,
    ) -> Result<Vec<u8>, TransportError> {
        self.send(Kind::Append, addr, p).await
    }

    async fn vote(&self, _t: u64, addr: &str, p: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        self.send(Kind::Vote, addr, p).await
    }

    async fn install_snapshot(
        &self,
        _t: u64,
        addr: &str,
        p: Vec<u8>,
    ) -> Result<Vec<u8>, TransportError> {
        self.send(Kind::Snapshot, addr, p).await
    }
}
