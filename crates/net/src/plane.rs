//! [`KernelPlane`]: the [`DataPlane`](crate::DataPlane) on a real kernel.

use crate::mesh::{self, Reach};
use crate::{host, nft, NetError};
use async_trait::async_trait;
use shoal_api::NetView;
use tokio::sync::Mutex;

/// The prefix of every table shoal makes; one table per node (several nodes may share a
/// host in tests).
pub const TABLE_PREFIX: &str = "shoal_";

/// Programs one node's kernel from its networking views.
pub struct KernelPlane {
    node_id: String,
    table: String,
    /// The script loaded last (empty: a table left by an earlier run, to be replaced); an
    /// unchanged view loads nothing. `None` until the first view: then a leftover table is
    /// looked for.
    loaded: Mutex<Option<Option<String>>>,
    /// The node's DNS resolver, started with the first network that has names to serve.
    resolver: Mutex<Option<crate::dns::Resolver>>,
    /// The VXLAN devices and entries to the other nodes.
    overlay: crate::overlay::Overlay,
}

impl KernelPlane {
    pub fn new(node_id: &str) -> KernelPlane {
        KernelPlane {
            node_id: node_id.to_string(),
            table: table_name(node_id),
            loaded: Mutex::new(None),
            resolver: Mutex::new(None),
            overlay: Default::default(),
        }
    }

    /// Puts each network's virtual IPs on its bridge (and takes off those of services gone):
    /// the node then answers ARP for them, and the tasks' VIP traffic reaches its rules.
    async fn own_vips(&self, view: &NetView, mesh: &mesh::Mesh) -> Result<(), NetError> {
        let handle = crate::links::connect()?;
        for net in &view.networks {
            let bridge = crate::bridge_name(&net.id);
            let own = mesh::own_address(net, &self.node_id).and_then(|a| a.parse().ok());
            let wanted: Vec<std::net::Ipv4Addr> = mesh
                .vips
                .iter()
                .filter(|v| v.bridge == bridge)
                .filter_map(|v| v.addr.parse().ok())
                .chain(own)
                .collect();
            crate::links::sync_host_addresses(&handle, &bridge, &wanted).await?;
        }
        Ok(())
    }

    /// For each network the node has an address of its own on: its bridge (made if no task
    /// made it: a node without tasks still answers the mesh), with the MAC the other nodes'
    /// neighbour entries give that address.
    async fn own_bridges(&self, view: &NetView) -> Result<(), NetError> {
        let handle = crate::links::connect()?;
        let alias = crate::links::alias_of(&self.node_id);
        for net in &view.networks {
            let Some(own) = mesh::own_address(net, &self.node_id)
                .and_then(|a| a.parse::<std::net::Ipv4Addr>().ok())
            else {
                continue;
            };
            let (Ok(gateway), Some(prefix)) = (
                net.gateway.parse::<std::net::Ipv4Addr>(),
                net.subnet.split_once('/').and_then(|(_, p)| p.parse().ok()),
            ) else {
                continue;
            };
            let bridge = crate::bridge_name(&net.id);
            let index = crate::links::ensure_bridge(
                &handle,
                &alias,
                &bridge,
                gateway,
                prefix,
                Some(1500 - crate::overlay::VXLAN_OVERHEAD),
            )
            .await?;
            crate::links::accept_mac(&handle, index, crate::overlay::mac_of(own)).await?;
        }
        Ok(())
    }

    /// Serves the view's names on the gateway of every network with names (not `ingress`)
    /// whose bridge is on the node; stops serving gateways that left.
    async fn serve_names(&self, view: &NetView) -> Result<(), NetError> {
        let wanted: Vec<std::net::SocketAddr> = view
            .networks
            .iter()
            .filter(|n| !n.ingress && crate::links::index_of(&crate::bridge_name(&n.id)).is_some())
            .filter_map(|n| n.gateway.parse::<std::net::Ipv4Addr>().ok())
            .map(|gw| std::net::SocketAddr::from((gw, 53)))
            .collect();
        let mut resolver = self.resolver.lock().await;
        if resolver.is_none() {
            if wanted.is_empty() {
                return Ok(());
            }
            *resolver = Some(crate::dns::Resolver::bind(
                &[],
                crate::dns::host_upstreams(),
            )?);
        }
        let r = resolver.as_ref().expect("set above");
        // The new names first: a task that leaves the view leaves DNS before it stops.
        r.update(view);
        for addr in r.listeners() {
            if !wanted.contains(&addr) {
                r.remove_listener(addr).await;
            }
        }
        for addr in wanted {
            if !r.listeners().contains(&addr) {
                // Another node on this host (tests) may serve the same gateway: its answers
                // come from the same cluster state.
                if let Err(e) = r.add_listener(addr) {
                    tracing::warn!("DNS: cannot serve names on {addr}: {e}");
                }
            }
        }
        Ok(())
    }

    async fn program(&self, view: &NetView) -> Result<(), NetError> {
        self.own_bridges(view).await?;
        self.serve_names(view).await?;
        self.overlay.apply(view, &self.node_id).await?;
        let mesh = mesh::plan(view, &self.node_id, Reach::All);
        let mut guard = self.loaded.lock().await;
        if guard.is_none() {
            // A crashed or killed daemon's table is reconciled by the first view.
            let leftover = nft::tables_with_prefix(&self.table)
                .await
                .is_ok_and(|t| t.contains(&self.table));
            *guard = Some(leftover.then(String::new));
            let orphans = crate::sandbox::reap_orphans().await;
            if orphans > 0 {
                tracing::info!(orphans, "removed task namespaces left by killed daemons");
            }
            crate::sandbox::release_idle_bridges(&self.node_id).await;
        }
        let loaded = guard.as_mut().expect("set above");
        if mesh == mesh::Mesh::default() && loaded.is_none() {
            // Nothing published and nothing of ours to replace: touch nothing (a node
            // that never publishes needs no nftables at all).
            return Ok(());
        }
        host::allow_forwarding()?;
        for net in &view.networks {
            host::allow_localnet(&crate::bridge_name(&net.id))?;
        }
        host::open_docker_forwarding().await?;
        self.own_vips(view, &mesh).await?;
        let script = mesh::render(&self.table, &mesh);
        if loaded.as_deref() != Some(script.as_str()) {
            nft::load(&script).await?;
            *loaded = Some(script);
        }
        Ok(())
    }
}

/// The node's table: the prefix and the start of its ID.
pub fn table_name(node_id: &str) -> String {
    format!("{TABLE_PREFIX}{}", node_id.get(..12).unwrap_or(node_id))
}

#[async_trait]
impl crate::DataPlane for KernelPlane {
    async fn apply(&self, view: &NetView) -> Result<(), String> {
        self.program(view).await.map_err(|e| e.to_string())
    }

    async fn clear(&self) -> Result<(), String> {
        if let Some(r) = self.resolver.lock().await.take() {
            for addr in r.listeners() {
                r.remove_listener(addr).await;
            }
        }
        let mut loaded = self.loaded.lock().await;
        nft::delete_table(&self.table)
            .await
            .map_err(|e| e.to_string())?;
        *loaded = Some(None);
        self.overlay.clear().await;
        crate::sandbox::release_idle_bridges(&self.node_id).await;
        let others = nft::tables_with_prefix(TABLE_PREFIX)
            .await
            .unwrap_or_default();
        if others.is_empty() {
            host::close_docker_forwarding().await;
        }
        Ok(())
    }
}
