//! A TLS listener for `axum::serve`: TCP accept, then the handshake of each connection in its
//! own task with a time limit, so a slow or silent client delays nobody; only connections
//! whose handshake succeeded are handed to the server.
//!
//! A client speaking plain HTTP to the TLS port gets dockerd's answer (a 400 saying "Client
//! sent an HTTP request to an HTTPS server.") instead of a bare reset, so the docker CLI
//! tells its user what is wrong.

use std::net::SocketAddr;
use std::time::Duration;

use axum::serve::Listener;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use crate::tls::ServerTls;

/// Time a client has to complete the handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Handshakes in progress at most; beyond it new connections wait in the kernel's backlog,
/// which bounds what a flood of idle connections costs.
const MAX_HANDSHAKES: usize = 256;
/// What Go's net/http (so dockerd) answers to plain HTTP on a TLS port.
const PLAIN_HTTP_ANSWER: &[u8] = b"HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nClient sent an HTTP request to an HTTPS server.\n";

type Handshaken = Option<(TlsStream<TcpStream>, SocketAddr)>;

pub(crate) struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    handshakes: JoinSet<Handshaken>,
}

impl TlsListener {
    pub(crate) fn new(tcp: TcpListener, tls: &ServerTls) -> TlsListener {
        TlsListener {
            tcp,
            acceptor: TlsAcceptor::from(tls.config.clone()),
            handshakes: JoinSet::new(),
        }
    }
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    // Cancel-safe, as axum needs at shutdown: both awaited futures are, and a handshake
    // finishing meanwhile stays in the set (dropped with the listener).
    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            tokio::select! {
                // axum's own accept, which logs and retries errors (e.g. out of descriptors).
                (tcp, remote) = Listener::accept(&mut self.tcp),
                    if self.handshakes.len() < MAX_HANDSHAKES =>
                {
                    self.handshakes.spawn(handshake(self.acceptor.clone(), tcp, remote));
                }
                Some(done) = self.handshakes.join_next() => {
                    if let Ok(Some(conn)) = done {
                        return conn;
                    }
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.tcp.local_addr()
    }
}

async fn handshake(acceptor: TlsAcceptor, tcp: TcpStream, remote: SocketAddr) -> Handshaken {
    let attempt = async {
        if speaks_plain_http(&tcp).await {
            answer_plain_http(tcp).await;
            return Err("plain HTTP on the TLS port".to_string());
        }
        acceptor
            .accept(tcp)
            .await
            .map_err(|e| format!("TLS handshake failed: {e}"))
    };
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, attempt).await {
        Ok(Ok(tls)) => Some((tls, remote)),
        // Refused client certificates end up here: worth seeing when a client cannot connect.
        Ok(Err(why)) => {
            tracing::info!(%remote, "API connection refused: {why}");
            None
        }
        Err(_) => {
            tracing::debug!(%remote, "API connection dropped: TLS handshake timed out");
            None
        }
    }
}

/// A TLS connection starts with a handshake record (0x16); an HTTP request with a method
/// name in capitals.
async fn speaks_plain_http(tcp: &TcpStream) -> bool {
    let mut first = [0u8; 1];
    matches!(tcp.peek(&mut first).await, Ok(1) if first[0].is_ascii_uppercase())
}

async fn answer_plain_http(mut tcp: TcpStream) {
    let _ = tcp.write_all(PLAIN_HTTP_ANSWER).await;
    let _ = tcp.shutdown().await;
    // Read what the client sent before closing: closing with unread data makes the kernel
    // send a reset, which can destroy the answer before the client reads it. Bounded by
    // the handshake timeout and by this size.
    let mut sink = [0u8; 4096];
    let mut left: usize = 64 * 1024;
    while left > 0 {
        match tcp.read(&mut sink).await {
            Ok(0) | Err(_) => break,
            Ok(n) => left = left.saturating_sub(n),
        }
    }
}
