//! Dialling a manager: a tonic [`Channel`] over TCP and rustls, with shoal's timeouts and
//! keepalive ([`crate::settings`]), and typed clients with shoal's message size limits.
//!
//! The server name verified is always [`shoal_ca::MANAGER_OU`]: every manager certificate
//! carries it, so any manager can be dialled by any address, and a worker cannot pose as one.
//! A channel reconnects by itself after a connection is lost; calls made while it is down fail
//! with `Unavailable`.
//!
//! ```no_run
//! # async fn example(tls: shoal_rpc::NodeTls) -> Result<(), Box<dyn std::error::Error>> {
//! use shoal_rpc::{client, pb, tls};
//! let channel = client::connect("10.0.0.1:2377", tls::client_config(&tls)?).await?;
//! let period = client::dispatcher(channel)
//!     .heartbeat(pb::HeartbeatRequest { node_id: "node1".into(), ..Default::default() })
//!     .await?
//!     .into_inner()
//!     .period_nanos;
//! # Ok(()) }
//! ```

mod connector;

use rustls::pki_types::ServerName;
use rustls::ClientConfig;
use shoal_ca::MANAGER_OU;
use tonic::transport::{Channel, Endpoint};

use crate::error::chain;
use crate::pb::ca_client::CaClient;
use crate::pb::dispatcher_client::DispatcherClient;
use crate::pb::raft_client::RaftClient;
use crate::settings::{self, MAX_MESSAGE_SIZE};
use crate::RpcError;
use connector::TlsConnector;

/// Connects to the manager at `addr` (`host:port`) now: fails within
/// [`settings::CONNECT_TIMEOUT`] if TCP, TLS or HTTP/2 cannot be established, with a message
/// naming `addr` and the cause (e.g. an unknown certificate issuer).
///
/// In TLS 1.3 the server checks the client's certificate after the client considers the
/// handshake done, so a refused client certificate shows up as a failure of the first call
/// rather than here.
pub async fn connect(addr: &str, cfg: ClientConfig) -> Result<Channel, RpcError> {
    let (endpoint, connector) = prepare(addr, cfg)?;
    endpoint
        .connect_with_connector(connector)
        .await
        .map_err(|e| RpcError::Connect {
            addr: addr.to_owned(),
            reason: chain(&e),
        })
}

/// Like [`connect`], but connects on the first call (and whenever needed after that); only a
/// malformed address fails here. For peers that may be down for a while, e.g. other managers.
pub fn connect_lazy(addr: &str, cfg: ClientConfig) -> Result<Channel, RpcError> {
    let (endpoint, connector) = prepare(addr, cfg)?;
    Ok(endpoint.connect_with_connector_lazy(connector))
}

/// The endpoint (settings) and connector (TCP + TLS) for `addr`.
fn prepare(addr: &str, cfg: ClientConfig) -> Result<(Endpoint, TlsConnector), RpcError> {
    let invalid = |reason: String| RpcError::InvalidAddress {
        addr: addr.to_owned(),
        reason,
    };
    // Only a placeholder for tonic (`:authority` header); dialling uses `addr` itself.
    // "http": the connector does TLS, the channel must not.
    let endpoint = Endpoint::from_shared(format!("http://{addr}"))
        .map_err(|e| invalid(chain(&e)))?
        .connect_timeout(settings::CONNECT_TIMEOUT)
        .http2_keep_alive_interval(settings::KEEPALIVE_INTERVAL)
        .keep_alive_timeout(settings::KEEPALIVE_TIMEOUT)
        .keep_alive_while_idle(true);
    if endpoint.uri().port_u16().is_none() {
        return Err(invalid("no port".into()));
    }
    let server_name = ServerName::try_from(MANAGER_OU).expect("shoal-manager is a valid DNS name");
    Ok((endpoint, TlsConnector::new(addr, server_name, cfg)))
}

/// A Ca client on `channel`, with shoal's message size limits.
pub fn ca(channel: Channel) -> CaClient<Channel> {
    CaClient::new(channel)
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE)
}

/// A Dispatcher client on `channel`, with shoal's message size limits.
pub fn dispatcher(channel: Channel) -> DispatcherClient<Channel> {
    DispatcherClient::new(channel)
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE)
}

/// A Raft client on `channel`, with shoal's message size limits.
pub fn raft(channel: Channel) -> RaftClient<Channel> {
    RaftClient::new(channel)
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE)
}
