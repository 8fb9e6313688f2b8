//! A node's data plane, programmed from the networking view ([`shoal_api::NetView`]) the
//! dispatcher sends.
//!
//! - [`mesh`] decides, from the view alone, the node's load-balancing rules: every ingress
//!   port a service publishes answers on every address of the node (loopback included) and
//!   is spread over the service's tasks. It renders them as one nftables table in the shape
//!   of kube-proxy's nftables mode (a verdict map on protocol and port, a `numgen` per
//!   service, one DNAT chain per backend).
//! - [`nft`] and [`host`] are the thin I/O shells: they load a table with `nft -f` (one
//!   atomic transaction) and set the few host settings the rules need.
//! - [`plane::KernelPlane`] ties them together behind the agent's `DataPlane`.

pub mod dns;
pub mod host;
pub mod mesh;
pub mod nft;
pub mod plane;

pub use plane::KernelPlane;

/// What can go wrong programming the kernel.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error("nft: {0}")]
    Nft(String),
    #[error("{0}")]
    Host(String),
    #[error("dns: {0}")]
    Dns(String),
}
