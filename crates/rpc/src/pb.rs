//! The protocol's generated code (`proto/shoal.proto`, package `shoal.v1`): messages, one
//! `*_server` module per service with its trait and tower service, and one `*_client` module.
//!
//! Implement e.g. [`dispatcher_server::Dispatcher`] and hand it to
//! [`crate::server::RpcServer::dispatcher`]; build clients with [`crate::client`]'s helpers so
//! they get shoal's message size limits.

#![allow(missing_docs, clippy::all)]

tonic::include_proto!("shoal.v1");
