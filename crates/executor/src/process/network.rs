//! A process task's networking: a task on no network shares the host's, as before; a task on
//! networks runs in a sandbox of its own ([`shoal_net::sandbox`]) with its allocated address
//! on each network's bridge. The sandbox's name is kept in `<log_dir>/<task>.netns` while it
//! exists, so a restarted daemon removes what a crashed one left.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use shoal_net::sandbox::{Sandbox, SandboxNet};

use crate::{ExecError, TaskNetwork, TaskRun};

/// The extension of the files naming a task's sandbox.
pub(crate) const MARKER_EXT: &str = "netns";

/// The sandbox of a task: `shl-` and its ID (file stem).
fn sandbox_name(task_id: &str) -> String {
    format!("shl-{}", super::file_stem(task_id))
}

fn marker(dir: &Path, task_id: &str) -> PathBuf {
    dir.join(format!("{}.{MARKER_EXT}", super::file_stem(task_id)))
}

/// What the sandbox needs of one network: bridge, gateway, the task's address and prefix.
fn sandbox_net(net: &TaskNetwork) -> Result<SandboxNet, ExecError> {
    let bad = || {
        ExecError::Rejected(format!(
            "network {} has no usable address for this task (address {:?}, subnet {:?}, \
             gateway {:?})",
            net.name, net.address, net.subnet, net.gateway
        ))
    };
    let (addr, prefix) = net.address.split_once('/').ok_or_else(bad)?;
    Ok(SandboxNet {
        bridge: net.bridge(),
        gateway: net.gateway.parse::<Ipv4Addr>().map_err(|_| bad())?,
        address: addr.parse().map_err(|_| bad())?,
        prefix: prefix.parse().map_err(|_| bad())?,
        mtu: net.mtu,
        names: !net.ingress,
    })
}

/// Makes the task's sandbox when it joins networks; `None` when it keeps the host's.
pub(crate) async fn make(run: &TaskRun, dir: &Path) -> Result<Option<Sandbox>, ExecError> {
    if run.networks.is_empty() {
        return Ok(None);
    }
    let nets = run
        .networks
        .iter()
        .map(sandbox_net)
        .collect::<Result<Vec<_>, _>>()?;
    let name = sandbox_name(&run.task_id);
    let marker = marker(dir, &run.task_id);
    tokio::fs::write(&marker, &name)
        .await
        .map_err(|e| ExecError::Failed(format!("writing {}: {e}", marker.display())))?;
    match Sandbox::create(&name, &run.node_id, &nets).await {
        Ok(s) => Ok(Some(s)),
        Err(e) => {
            let _ = tokio::fs::remove_file(&marker).await;
            Err(ExecError::Failed(format!(
                "setting up the task's network namespace: {e}"
            )))
        }
    }
}

/// Removes the task's sandbox (if any), then its marker.
pub(crate) async fn remove(sandbox: Option<Sandbox>, dir: &Path, task_id: &str) {
    if let Some(s) = sandbox {
        s.remove().await;
        let _ = tokio::fs::remove_file(marker(dir, task_id)).await;
    }
}

/// Removes the sandboxes named by markers in `dir` (left by a daemon that died); returns how
/// many.
pub(crate) async fn reap(dir: &Path) -> usize {
    let mut n = 0;
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
        return 0;
    };
    while let Ok(Some(e)) = entries.next_entry().await {
        let path = e.path();
        if path.extension().and_then(|x| x.to_str()) != Some(MARKER_EXT) {
            continue;
        }
        if let Ok(name) = tokio::fs::read_to_string(&path).await {
            Sandbox::remove_leftover(name.trim());
            n += 1;
        }
        let _ = tokio::fs::remove_file(&path).await;
    }
    n
}
