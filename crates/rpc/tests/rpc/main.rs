//! End-to-end tests of shoal-rpc over real sockets on 127.0.0.1: certificates from shoal-ca,
//! tiny service implementations (`services.rs`), one server per test.

mod authz;
mod join;
mod pki;
mod server;
mod services;
mod session;
