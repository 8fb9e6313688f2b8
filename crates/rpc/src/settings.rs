//! Timeouts, keepalive and size limits shared by servers and clients.
//!
//! Dead peers are noticed by HTTP/2 PINGs rather than TCP keepalive (which takes minutes by
//! default): each side pings after [`KEEPALIVE_INTERVAL`] without traffic and drops the
//! connection when no answer comes within [`KEEPALIVE_TIMEOUT`], so a vanished peer is
//! detected within about 6 s, and its streams (a worker's `Session`) end with an error.

use std::time::Duration;

/// Limit for establishing a client connection: TCP connect plus TLS handshake.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Limit for an accepted connection to complete its TLS handshake (server side), so silent
/// or slow clients cannot hold sockets.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Idle time after which an HTTP/2 PING is sent (both sides; clients also ping idle channels).
pub const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(3);

/// How long a PING may go unanswered before the connection is considered dead.
pub const KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(3);

/// On shutdown, how long the server lets open calls (e.g. `Session` streams) finish after
/// refusing new ones, before closing the remaining connections.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// Largest message accepted or sent (tonic's default is 4 MiB; raft snapshots and the task
/// sets of big nodes can be larger).
pub const MAX_MESSAGE_SIZE: usize = 64 * 1024 * 1024;
