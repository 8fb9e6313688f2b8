//! The accept loop: TCP accept, TLS handshake (each in its own task, with a time limit, so a
//! slow client delays nobody), then the connection goes to tonic through a channel.
//!
//! This replaces tonic's built-in TLS (`ServerTlsConfig`), which builds its own rustls
//! configuration and cannot take ours (optional client certificates verified against the root,
//! ring provider); doing the handshake here also lets the server read the client's identity
//! once per connection instead of once per request.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;

use super::conn::Conn;
use crate::auth::Peer;
use crate::settings::HANDSHAKE_TIMEOUT;

/// Connections ready for tonic.
pub(crate) type Incoming = ReceiverStream<Result<Conn, Infallible>>;

/// Pause after a failed `accept` (e.g. out of file descriptors) before trying again, so the
/// loop does not spin.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// Starts accepting on `listener`. The loop ends (closing the listening socket) when the
/// returned stream is dropped, which tonic does as soon as shutdown starts. Connections are
/// wired to `kill`.
pub(crate) fn spawn(
    listener: TcpListener,
    config: super::TlsHandle,
    kill: CancellationToken,
) -> (JoinHandle<()>, Incoming) {
    let (tx, rx) = mpsc::channel(16);
    let task = tokio::spawn(accept_loop(listener, config, tx, kill));
    (task, ReceiverStream::new(rx))
}

async fn accept_loop(
    listener: TcpListener,
    config: super::TlsHandle,
    tx: mpsc::Sender<Result<Conn, Infallible>>,
    kill: CancellationToken,
) {
    loop {
        let accepted = tokio::select! {
            _ = tx.closed() => return,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((tcp, remote)) => {
                // The configuration current at accept time: a reload (certificate renewal,
                // CA rotation) applies to every new connection.
                tokio::spawn(handshake(
                    tcp,
                    remote,
                    TlsAcceptor::from(config.current()),
                    tx.clone(),
                    kill.clone(),
                ));
            }
            Err(e) => {
                tracing::warn!("accepting an RPC connection failed: {e}");
                tokio::select! {
                    _ = tx.closed() => return,
                    _ = tokio::time::sleep(ACCEPT_ERROR_PAUSE) => {}
                }
            }
        }
    }
}

/// Completes the TLS handshake of one connection and hands it over.
async fn handshake(
    tcp: TcpStream,
    remote: SocketAddr,
    acceptor: TlsAcceptor,
    tx: mpsc::Sender<Result<Conn, Infallible>>,
    kill: CancellationToken,
) {
    // Small gRPC messages (heartbeats, votes) should not wait for Nagle.
    let _ = tcp.set_nodelay(true);
    let tls = tokio::select! {
        _ = kill.cancelled() => return,
        done = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)) => match done {
            Ok(Ok(tls)) => tls,
            Ok(Err(e)) => {
                // Refused certificates end up here: worth seeing when a node cannot connect.
                tracing::info!(%remote, "RPC connection refused: TLS handshake failed: {e}");
                return;
            }
            Err(_) => {
                tracing::debug!(%remote, "RPC connection dropped: TLS handshake timed out");
                return;
            }
        },
    };
    let peer = Peer::from_handshake(Some(remote), tls.get_ref().1.peer_certificates());
    // Fails only when the server is shutting down: the connection is then simply dropped.
    let _ = tx.send(Ok(Conn::new(tls, peer, kill))).await;
}
