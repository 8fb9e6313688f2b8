//! The Docker-Engine-API-compatible HTTP server every manager serves, so the stock `docker`
//! CLI and docker-py drive shoal unchanged.
//!
//! Thin by design: each resource has one file under `routes/` that decodes the request,
//! calls the manager's control API, and encodes the answer with Docker's status codes,
//! headers and error bodies. Paths are accepted bare and with a `/v1.NN` prefix.

mod body;
mod error;
mod listen;
mod routes;
mod state;
pub mod tls;
mod tls_listener;
mod version;

pub use listen::{serve, Endpoint, ListenError};
pub use state::{AppState, DaemonInfo};
pub use tls::{ServerTls, TlsError, TlsFiles};
pub use version::{API_VERSION, MIN_API_VERSION};
