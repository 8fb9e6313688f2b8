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
//! - [`plane::KernelPlane`] ties them together behind [`DataPlane`], which the agent drives.

pub mod dns;
pub mod host;
pub mod links;
pub mod mesh;
pub mod nft;
pub mod overlay;
pub mod plane;
pub mod sandbox;

pub use plane::KernelPlane;

use shoal_api::NetView;

/// Programs a node's networking (bridges, load-balancing rules) from its views.
#[async_trait::async_trait]
pub trait DataPlane: Send + Sync {
    /// Brings the node in line with `view` (every view is complete).
    async fn apply(&self, view: &NetView) -> Result<(), String>;
    /// Removes everything the plane put in the kernel (the node leaves the swarm).
    async fn clear(&self) -> Result<(), String>;
}

/// The bridge carrying a swarm network on a node: `shl-` and the start of the network's ID
/// (interface names are at most 15 bytes).
pub fn bridge_name(network_id: &str) -> String {
    format!("shl-{}", network_id.get(..11).unwrap_or(network_id))
}

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
