//! Network devices through netlink (rtnetlink): the bridge that carries a swarm network on a
//! node, and veth pairs into task sandboxes. Devices shoal makes carry the alias
//! `shoal:<node>` ([`alias_of`]), so a node removes only its own leftovers: not the engine's
//! bridges of the same prefix, nor another node's on a machine that hosts several (tests).

use crate::NetError;
use futures_util::TryStreamExt;
use rtnetlink::packet_route::link::LinkAttribute;
use rtnetlink::{Handle, LinkBridge, LinkUnspec, LinkVeth};
use std::ffi::CString;
use std::net::Ipv4Addr;

/// The start of the alias (`ip link show` prints it) of every device shoal makes.
pub const OURS: &str = "shoal";

/// The alias of the devices node `owner` makes.
pub fn alias_of(owner: &str) -> String {
    format!("{OURS}:{}", owner.get(..12).unwrap_or(owner))
}

fn nl(what: &str, e: impl std::fmt::Display) -> NetError {
    NetError::Host(format!("{what}: {e}"))
}

/// A netlink connection in the calling thread's network namespace.
pub fn connect() -> Result<Handle, NetError> {
    let (conn, handle, _) = rtnetlink::new_connection().map_err(|e| nl("netlink", e))?;
    tokio::spawn(conn);
    Ok(handle)
}

/// The index of device `name` in the calling thread's namespace, if it exists.
pub fn index_of(name: &str) -> Option<u32> {
    let c = CString::new(name).ok()?;
    // SAFETY: a valid NUL-terminated name.
    let i = unsafe { libc::if_nametoindex(c.as_ptr()) };
    (i != 0).then_some(i)
}

/// Whether device `name` exists and has the alias `alias`.
pub async fn has_alias(handle: &Handle, name: &str, alias: &str) -> bool {
    let Some(index) = index_of(name) else {
        return false;
    };
    let mut links = handle.link().get().match_index(index).execute();
    match links.try_next().await {
        Ok(Some(msg)) => msg
            .attributes
            .iter()
            .any(|a| matches!(a, LinkAttribute::IfAlias(s) if s == alias)),
        _ => false,
    }
}

/// Makes bridge `name` (up, with `gateway/prefix` on it) unless it exists; returns its
/// index. An existing bridge keeps what it has, plus the address.
pub async fn ensure_bridge(
    handle: &Handle,
    alias: &str,
    name: &str,
    gateway: Ipv4Addr,
    prefix: u8,
    mtu: Option<u32>,
) -> Result<u32, NetError> {
    let made = index_of(name).is_none();
    if made {
        let mut msg = LinkBridge::new(name).up();
        if let Some(mtu) = mtu {
            msg = msg.mtu(mtu);
        }
        match handle.link().add(msg.build()).execute().await {
            Ok(()) => {}
            // Made meanwhile by a concurrent start.
            Err(e) if index_of(name).is_some() => tracing::debug!("bridge {name}: {e}"),
            Err(e) => return Err(nl(&format!("creating bridge {name}"), e)),
        }
    }
    let index = index_of(name).ok_or_else(|| nl("bridge vanished", name))?;
    add_address(handle, index, gateway, prefix).await?;
    // The alias only sticks when set on an existing link (the kernel ignores it at create);
    // a bridge someone else made (the engine's) keeps its own.
    let mut change = LinkUnspec::new_with_index(index).up();
    if made {
        change = change.alias(alias);
    }
    handle
        .link()
        .change(change.build())
        .execute()
        .await
        .map_err(|e| nl(&format!("bringing {name} up"), e))?;
    Ok(index)
}

/// Adds `addr/prefix` to device `index`; present already is fine.
pub async fn add_address(
    handle: &Handle,
    index: u32,
    addr: Ipv4Addr,
    prefix: u8,
) -> Result<(), NetError> {
    match handle
        .address()
        .add(index, addr.into(), prefix)
        .execute()
        .await
    {
        Ok(()) => Ok(()),
        Err(rtnetlink::Error::NetlinkError(e)) if e.raw_code() == -libc::EEXIST => Ok(()),
        Err(e) => Err(nl(&format!("adding {addr}/{prefix}"), e)),
    }
}

/// Deletes device `name` if it exists.
pub async fn delete(handle: &Handle, name: &str) -> Result<(), NetError> {
    let Some(index) = index_of(name) else {
        return Ok(());
    };
    match handle.link().del(index).execute().await {
        Ok(()) => Ok(()),
        Err(_) if index_of(name).is_none() => Ok(()),
        Err(e) => Err(nl(&format!("deleting {name}"), e)),
    }
}

/// The devices attached to bridge `name` (none if it does not exist).
pub fn bridge_ports(name: &str) -> Vec<String> {
    std::fs::read_dir(format!("/sys/class/net/{name}/brif"))
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Makes veth pair `host`/`peer`, attaches `host` to bridge `bridge` (up), and moves `peer`
/// into the namespace open at `netns_fd`.
pub async fn veth_into(
    handle: &Handle,
    alias: &str,
    host: &str,
    peer: &str,
    bridge: u32,
    netns_fd: std::os::fd::RawFd,
    mtu: Option<u32>,
) -> Result<(), NetError> {
    let _ = delete(handle, host).await;
    let mut msg = LinkVeth::new(host, peer);
    if let Some(mtu) = mtu {
        msg = msg.mtu(mtu);
    }
    handle
        .link()
        .add(msg.build())
        .execute()
        .await
        .map_err(|e| nl(&format!("creating veth {host}"), e))?;
    let host_index = index_of(host).ok_or_else(|| nl("veth vanished", host))?;
    let peer_index = index_of(peer).ok_or_else(|| nl("veth peer vanished", peer))?;
    handle
        .link()
        .change(
            LinkUnspec::new_with_index(host_index)
                .alias(alias)
                .controller(bridge)
                .up()
                .build(),
        )
        .execute()
        .await
        .map_err(|e| nl(&format!("attaching {host}"), e))?;
    handle
        .link()
        .change(
            LinkUnspec::new_with_index(peer_index)
                .setns_by_fd(netns_fd)
                .build(),
        )
        .execute()
        .await
        .map_err(|e| nl(&format!("moving {peer} into the task's namespace"), e))?;
    Ok(())
}

/// Makes the host-scope `/32` addresses on device `dev` exactly `wanted`: the services'
/// virtual IPs, which the node answers ARP for on the network's bridge so tasks send it
/// their VIP traffic. Other addresses (the gateway, with its subnet prefix) are left alone.
pub async fn sync_host_addresses(
    handle: &Handle,
    dev: &str,
    wanted: &[Ipv4Addr],
) -> Result<(), NetError> {
    use rtnetlink::packet_route::address::AddressAttribute;
    let Some(index) = index_of(dev) else {
        return Ok(());
    };
    let mut have = Vec::new();
    let mut addrs = handle
        .address()
        .get()
        .set_link_index_filter(index)
        .execute();
    while let Ok(Some(msg)) = addrs.try_next().await {
        if msg.header.prefix_len != 32 {
            continue;
        }
        let ip = msg.attributes.iter().find_map(|a| match a {
            AddressAttribute::Address(std::net::IpAddr::V4(ip)) => Some(*ip),
            _ => None,
        });
        if let Some(ip) = ip {
            if wanted.contains(&ip) {
                have.push(ip);
            } else {
                let _ = handle.address().del(msg).execute().await;
            }
        }
    }
    for ip in wanted.iter().filter(|ip| !have.contains(ip)) {
        add_address(handle, index, *ip, 32).await?;
    }
    Ok(())
}

/// Makes bridge `index` take frames sent to `mac` as its own (a permanent local entry in
/// its forwarding table), without changing the MAC its tasks already know it by.
pub async fn accept_mac(handle: &Handle, index: u32, mac: [u8; 6]) -> Result<(), NetError> {
    handle
        .neighbours()
        .add_bridge(index, &mac)
        .flags(rtnetlink::packet_route::neighbour::NeighbourFlags::Own)
        .replace()
        .execute()
        .await
        .map_err(|e| nl("adding a local MAC to a bridge", e))
}
