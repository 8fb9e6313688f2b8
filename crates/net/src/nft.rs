//! Loads nftables scripts with the `nft` tool (one script, one atomic transaction), as
//! Podman's netavark and the `nftables` crate do.

use crate::NetError;
use std::process::Stdio;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

/// Runs `nft -f -` with `script` on its standard input.
pub async fn load(script: &str) -> Result<(), NetError> {
    let mut child = Command::new("nft")
        .args(["-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            NetError::Nft(format!(
                "cannot run nft ({e}): install the nftables package (apt-get install nftables)"
            ))
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(script.as_bytes())
            .await
            .map_err(|e| NetError::Nft(e.to_string()))?;
    }
    let out = child
        .wait_with_output()
        .await
        .map_err(|e| NetError::Nft(e.to_string()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(NetError::Nft(
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ))
    }
}

/// Removes table `ip <table>` if it exists.
pub async fn delete_table(table: &str) -> Result<(), NetError> {
    load(&format!("table ip {table}\ndelete table ip {table}\n")).await
}

/// The names of the `ip` tables whose name starts with `prefix`.
pub async fn tables_with_prefix(prefix: &str) -> Result<Vec<String>, NetError> {
    let out = Command::new("nft")
        .args(["list", "tables", "ip"])
        .output()
        .await
        .map_err(|e| NetError::Nft(e.to_string()))?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("table ip "))
        .filter(|name| name.starts_with(prefix))
        .map(str::to_string)
        .collect())
}
