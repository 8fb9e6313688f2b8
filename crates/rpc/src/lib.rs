//! shoal's node-to-node RPC: the gRPC protocol (tonic + prost, generated from
//! `proto/shoal.proto` at build time by protox, so no `protoc` is needed), mutual TLS with
//! rustls on the `ring` provider (the same backend as `shoal-ca`; see its crate docs for why not
//! aws-lc-rs), and authorisation by the role in the peer's certificate.
//!
//! - [`pb`]: the generated messages, service traits (`pb::ca_server::Ca`, ...) and clients.
//! - [`tls`]: rustls configurations built from a node's [`NodeTls`] (or, for joining, from
//!   nothing but the root certificate).
//! - [`server`]: [`server::RpcServer`], which serves the services a node has over TLS and
//!   refuses callers whose certificate does not allow the service (Raft: managers; Dispatcher:
//!   any node; Ca: anyone).
//! - [`auth`]: who is calling ([`auth::caller`], [`auth::require`]), for finer checks inside
//!   service implementations.
//! - [`client`]: dialling a manager ([`client::connect`]) and typed clients with shoal's limits.
//! - [`join`]: fetching and checking the root CA before joining.
//! - [`json`]: shoal objects travel as JSON bytes of the `shoal-api` serde types.

#![warn(missing_docs)]

pub mod auth;
pub mod client;
mod error;
pub mod join;
pub mod json;
mod node_tls;
pub mod pb;
pub mod server;
pub mod settings;
pub mod tls;

pub use auth::Caller;
pub use error::RpcError;
pub use node_tls::NodeTls;
