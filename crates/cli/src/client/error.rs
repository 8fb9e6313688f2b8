//! Client errors, worded like docker's so users recognize them:
//! `Error response from daemon: ...`, `Cannot connect to the shoal daemon
//! at unix:///... Is the shoal daemon running?`.

use std::io;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("invalid daemon host {host:?}: {reason}")]
    InvalidHost { host: String, reason: String },

    /// Nothing listens there: the socket file is missing or the port refuses.
    #[error("Cannot connect to the shoal daemon at {host}. Is the shoal daemon running?")]
    Connect {
        host: String,
        #[source]
        source: io::Error,
    },

    #[error(
        "permission denied while trying to connect to the shoal daemon socket at {host}: {source}"
    )]
    PermissionDenied {
        host: String,
        #[source]
        source: io::Error,
    },

    /// Any other failure while connecting (DNS, unreachable network...).
    #[error("error during connect: {source}")]
    DuringConnect {
        host: String,
        #[source]
        source: io::Error,
    },

    /// The connection broke or HTTP went wrong mid-request.
    #[error("error talking to the shoal daemon at {host}: {source}")]
    Http {
        host: String,
        #[source]
        source: hyper::Error,
    },

    /// The daemon answered with a non-2xx status; `message` is the JSON
    /// `message` field, or the body text, or the status reason.
    #[error("Error response from daemon: {message}")]
    Api { status: u16, message: String },

    #[error("invalid request: {0}")]
    InvalidRequest(String),

    #[error("error decoding response from daemon: {0}")]
    Decode(#[from] serde_json::Error),

    /// A streamed body ended in the middle of a frame.
    #[error("unexpected end of stream from daemon")]
    UnexpectedEof,
}

impl ClientError {
    /// The HTTP status of an API error.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// True for a 404 from the daemon (e.g. to try another object kind,
    /// as `docker inspect` does).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// Classifies an I/O error from connecting to `host`.
    pub(crate) fn connect(host: String, source: io::Error) -> Self {
        match source.kind() {
            io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused => {
                ClientError::Connect { host, source }
            }
            io::ErrorKind::PermissionDenied => ClientError::PermissionDenied { host, source },
            _ => ClientError::DuringConnect { host, source },
        }
    }
}
