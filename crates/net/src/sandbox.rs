//! A task's network sandbox for the process executor: a network namespace of its own,
//! bind-mounted at `/run/netns/<name>` (so `ip netns exec <name> ...` works for debugging),
//! with loopback up and, for each network the task joins, a veth pair whose host end is on
//! the network's bridge and whose other end is `eth<i>` in the namespace with the task's
//! address. The default route goes through the first network's gateway (the node), which
//! masquerades what leaves the node. Removing the namespace removes its veth pairs; a bridge
//! left without ports is removed with it.
//!
//! Service discovery: a process shares the host's files, so its resolv.conf is the host's.
//! Instead, a small nftables table inside the namespace sends every DNS question (port 53,
//! UDP and TCP, whatever server resolv.conf names, loopback ones included) to the node's
//! resolver on the first named network's gateway.

use crate::links;
use crate::NetError;
use rtnetlink::{LinkUnspec, RouteMessageBuilder};
use std::ffi::CString;
use std::net::Ipv4Addr;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

/// Where named network namespaces live (iproute2's place).
pub const NETNS_DIR: &str = "/run/netns";

/// Bridges are made and removed one at a time, so a bridge is never removed between a
/// sandbox's check and its veth joining it.
static BRIDGES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// One network of a sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxNet {
    pub bridge: String,
    pub gateway: Ipv4Addr,
    pub address: Ipv4Addr,
    pub prefix: u8,
    pub mtu: Option<u32>,
    /// The node serves service names on this network's gateway (not `ingress`).
    pub names: bool,
}

/// A task's network namespace.
#[derive(Debug, Clone)]
pub struct Sandbox {
    path: PathBuf,
    /// The alias of the devices it made (its node's).
    alias: String,
    bridges: Vec<String>,
    /// The host ends of its veth pairs.
    veths: Vec<String>,
}

fn host(what: &str, e: impl std::fmt::Display) -> NetError {
    NetError::Host(format!("{what}: {e}"))
}

impl Sandbox {
    /// The namespace's file: a process joins it with `setns` on an open descriptor.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Makes namespace `name` with one interface per network in `nets` (`eth0`, `eth1`...).
    /// A leftover namespace of that name is replaced.
    /// `owner`: the node's ID (its devices' alias).
    pub async fn create(name: &str, owner: &str, nets: &[SandboxNet]) -> Result<Sandbox, NetError> {
        let alias = links::alias_of(owner);
        let path = Path::new(NETNS_DIR).join(name);
        remove_namespace(&path);
        let sandbox = Sandbox {
            path: path.clone(),
            alias: alias.clone(),
            bridges: nets.iter().map(|n| n.bridge.clone()).collect(),
            veths: (0..nets.len()).map(|i| veth_names(name, i).0).collect(),
        };
        let made = async {
            new_namespace(&path).await?;
            let ns = std::fs::File::open(&path).map_err(|e| host("opening the namespace", e))?;
            {
                let _bridges = BRIDGES.lock().await;
                let handle = links::connect()?;
                for (i, net) in nets.iter().enumerate() {
                    let bridge = links::ensure_bridge(
                        &handle,
                        &alias,
                        &net.bridge,
                        net.gateway,
                        net.prefix,
                        net.mtu,
                    )
                    .await?;
                    let (outside, inside) = veth_names(name, i);
                    links::veth_into(
                        &handle,
                        &alias,
                        &outside,
                        &inside,
                        bridge,
                        ns.as_raw_fd(),
                        net.mtu,
                    )
                    .await?;
                }
            }
            configure_inside(ns, name, nets.to_vec()).await
        };
        match made.await {
            Ok(()) => Ok(sandbox),
            Err(e) => {
                sandbox.remove().await;
                Err(e)
            }
        }
    }

    /// Removes the namespace (and with it the veth pairs), then the bridges no other
    /// sandbox uses.
    pub async fn remove(&self) {
        let _bridges = BRIDGES.lock().await;
        self.remove_locked().await;
    }

    async fn remove_locked(&self) {
        let handle = links::connect();
        // The veth pairs first, by hand: the kernel frees a namespace's devices only later,
        // in the background, and the bridges must be seen empty now.
        if let Ok(handle) = &handle {
            for veth in &self.veths {
                let _ = links::delete(handle, veth).await;
            }
        }
        remove_namespace(&self.path);
        let Ok(handle) = handle else { return };
        for bridge in &self.bridges {
            release_bridge(&handle, bridge, &self.alias).await;
        }
    }

    /// Removes namespace `name` left by an earlier run (and its veth pairs with it).
    pub fn remove_leftover(name: &str) {
        remove_namespace(&Path::new(NETNS_DIR).join(name));
    }
}

/// Removes `bridge` if shoal made it and nothing is attached to it any more.
async fn release_bridge(handle: &rtnetlink::Handle, bridge: &str, alias: &str) {
    // The overlay's VXLAN device alone does not keep a bridge: it goes with it.
    let tasks_on_it = links::bridge_ports(bridge)
        .iter()
        .any(|p| !p.starts_with("shv-"));
    if !tasks_on_it && links::has_alias(handle, bridge, alias).await {
        let _ = links::delete(handle, bridge).await;
    }
}

/// How old a sandbox with no process in it must be to count as left over: younger ones may
/// be a task's, set up an instant before its process starts.
const ORPHAN_AGE: std::time::Duration = std::time::Duration::from_secs(60);

/// Removes the sandboxes (`/run/netns/shl-*`) no process is in any more, made by a daemon
/// that was killed: its tasks died with it, the namespaces (and their veths on the bridges)
/// stayed. Returns how many.
pub async fn reap_orphans() -> usize {
    let Ok(dir) = std::fs::read_dir(NETNS_DIR) else {
        return 0;
    };
    let in_use = namespaces_in_use();
    let mut n = 0;
    for e in dir.filter_map(Result::ok) {
        let name = e.file_name().to_string_lossy().into_owned();
        let Ok(meta) = std::fs::metadata(e.path()) else {
            continue;
        };
        let old = meta
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age >= ORPHAN_AGE);
        use std::os::unix::fs::MetadataExt;
        if !name.starts_with("shl-") || !old || in_use.contains(&meta.ino()) {
            continue;
        }
        let veths = (0..16).map(|i| veth_names(&name, i).0).collect();
        let sandbox = Sandbox {
            path: e.path(),
            alias: String::new(),
            bridges: Vec::new(),
            veths,
        };
        sandbox.remove().await;
        n += 1;
    }
    n
}

/// The inodes of the network namespaces processes are in.
fn namespaces_in_use() -> std::collections::HashSet<u64> {
    let mut out = std::collections::HashSet::new();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return out;
    };
    for p in procs.filter_map(Result::ok) {
        if let Ok(meta) = std::fs::metadata(p.path().join("ns/net")) {
            use std::os::unix::fs::MetadataExt;
            out.insert(meta.ino());
        }
    }
    out
}

/// Removes every bridge node `owner` made (`shl-*` with its alias) that has no task on it
/// any more: what a node leaving the swarm, or its daemon dying, leaves behind.
pub async fn release_idle_bridges(owner: &str) {
    let alias = links::alias_of(owner);
    let _bridges = BRIDGES.lock().await;
    let Ok(handle) = links::connect() else { return };
    let Ok(dir) = std::fs::read_dir("/sys/class/net") else {
        return;
    };
    for e in dir.filter_map(Result::ok) {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with("shl-") {
            release_bridge(&handle, &name, &alias).await;
        }
    }
}

/// Host and namespace ends of network `i`'s veth pair (at most 15 bytes each).
fn veth_names(name: &str, i: usize) -> (String, String) {
    let tail: String = name
        .chars()
        .rev()
        .take(11)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    (format!("v{i}{tail}"), format!("p{i}{tail}"))
}

/// Makes an empty namespace at `path`: a thread of its own unshares its network namespace and
/// bind-mounts it there, which keeps it alive after the thread ends.
async fn new_namespace(path: &Path) -> Result<(), NetError> {
    std::fs::create_dir_all(NETNS_DIR).map_err(|e| host(NETNS_DIR, e))?;
    std::fs::File::create(path).map_err(|e| host(&path.display().to_string(), e))?;
    let target =
        CString::new(path.as_os_str().as_encoded_bytes()).map_err(|e| host("namespace path", e))?;
    let made = tokio::task::spawn_blocking(move || {
        std::thread::spawn(move || -> std::io::Result<()> {
            // SAFETY: plain syscalls on valid NUL-terminated paths; the thread's namespace
            // changes, nothing else's.
            unsafe {
                if libc::unshare(libc::CLONE_NEWNET) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                let source = c"/proc/thread-self/ns/net";
                if libc::mount(
                    source.as_ptr(),
                    target.as_ptr(),
                    std::ptr::null(),
                    libc::MS_BIND,
                    std::ptr::null(),
                ) != 0
                {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        })
        .join()
    })
    .await
    .map_err(|e| host("namespace thread", e))?;
    match made {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(host("making a network namespace", e)),
        Err(_) => Err(host("making a network namespace", "thread panicked")),
    }
}

/// Inside the namespace (a thread that joins it, with a netlink socket of its own): loopback
/// up, each veth end renamed `eth<i>` with its address and up, the default route.
async fn configure_inside(
    ns: std::fs::File,
    name: &str,
    nets: Vec<SandboxNet>,
) -> Result<(), NetError> {
    let name = name.to_string();
    tokio::task::spawn_blocking(move || {
        std::thread::spawn(move || -> Result<(), NetError> {
            // SAFETY: joins the namespace open at a valid descriptor, in this thread only.
            if unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
                return Err(host(
                    "joining the namespace",
                    std::io::Error::last_os_error(),
                ));
            }
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| host("runtime", e))?;
            rt.block_on(async move {
                let handle = links::connect()?;
                let lo = links::index_of("lo").ok_or_else(|| host("no loopback", &name))?;
                let up = |index: u32| LinkUnspec::new_with_index(index).up().build();
                handle
                    .link()
                    .change(up(lo))
                    .execute()
                    .await
                    .map_err(|e| host("loopback up", e))?;
                for (i, net) in nets.iter().enumerate() {
                    let (_, inside) = veth_names(&name, i);
                    let index = links::index_of(&inside).ok_or_else(|| host("no veth", &inside))?;
                    // The MAC other nodes expect for this address (see `overlay`).
                    let mac = crate::overlay::mac_of(net.address).to_vec();
                    handle
                        .link()
                        .change(
                            LinkUnspec::new_with_index(index)
                                .name(format!("eth{i}"))
                                .address(mac)
                                .build(),
                        )
                        .execute()
                        .await
                        .map_err(|e| host("renaming the veth", e))?;
                    links::add_address(&handle, index, net.address, net.prefix).await?;
                    handle
                        .link()
                        .change(up(index))
                        .execute()
                        .await
                        .map_err(|e| host("veth up", e))?;
                }
                if let Some(first) = nets.first() {
                    let route = RouteMessageBuilder::<Ipv4Addr>::new()
                        .gateway(first.gateway)
                        .build();
                    handle
                        .route()
                        .add(route)
                        .execute()
                        .await
                        .map_err(|e| host("default route", e))?;
                }
                if let Some((i, named)) = nets.iter().enumerate().find(|(_, n)| n.names) {
                    redirect_dns(i, named.gateway)?;
                }
                Ok(())
            })
        })
        .join()
        .unwrap_or_else(|_| Err(host("namespace thread", "panicked")))
    })
    .await
    .map_err(|e| host("namespace thread", e))?
}

/// In the namespace (called from a thread inside it; `nft` inherits the thread's
/// namespace): DNS questions go to `resolver:53`, leaving by `eth<i>`. Questions to a
/// loopback server (a host running systemd-resolved) need `route_localnet` to leave and a
/// masquerade to come back.
fn redirect_dns(i: usize, resolver: Ipv4Addr) -> Result<(), NetError> {
    let dev = format!("eth{i}");
    std::fs::write(format!("/proc/sys/net/ipv4/conf/{dev}/route_localnet"), "1")
        .map_err(|e| host("route_localnet in the task's namespace", e))?;
    let script = format!(
        "table ip shoal_dns {{\n\
         \tchain output {{\n\t\ttype nat hook output priority -100; policy accept;\n\
         \t\tip daddr != {resolver} meta l4proto {{ udp, tcp }} th dport 53 dnat to {resolver}:53\n\t}}\n\
         \tchain postrouting {{\n\t\ttype nat hook postrouting priority 100; policy accept;\n\
         \t\tip saddr 127.0.0.0/8 oifname \"{dev}\" masquerade\n\t}}\n}}\n"
    );
    let mut child = std::process::Command::new("nft")
        .args(["-f", "-"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| host("running nft in the task's namespace", e))?;
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        stdin
            .write_all(script.as_bytes())
            .map_err(|e| host("nft", e))?;
    }
    let out = child.wait_with_output().map_err(|e| host("nft", e))?;
    if !out.status.success() {
        return Err(host(
            "DNS redirect in the task's namespace",
            String::from_utf8_lossy(&out.stderr).trim(),
        ));
    }
    Ok(())
}

/// Unmounts and removes a namespace file; gone already is fine.
fn remove_namespace(path: &Path) {
    if let Ok(c) = CString::new(path.as_os_str().as_encoded_bytes()) {
        // SAFETY: a valid NUL-terminated path.
        unsafe {
            libc::umount2(c.as_ptr(), libc::MNT_DETACH);
        }
    }
    let _ = std::fs::remove_file(path);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn veth_names_fit_an_interface_name() {
        let (a, b) = veth_names("shl-0123456789abcdefghijklm", 3);
        assert_eq!(a, "v3cdefghijklm");
        assert_eq!(b, "p3cdefghijklm");
        assert!(a.len() <= 15);
    }
}
