//! `shoal swarm ...`: create a swarm, join one, show or rotate join
//! tokens, change its settings, lock and unlock it, leave it.

pub mod ca;
pub mod init;
pub mod join;
pub mod join_token;
pub mod leave;
pub mod unlock;
pub mod unlock_key;
pub mod update;

use crate::commands::Ctx;
use clap::{Args, Subcommand};

/// `shoal swarm`.
#[derive(Args, Debug, Clone)]
pub struct SwarmArgs {
    #[command(subcommand)]
    pub cmd: SwarmCommand,
}

#[derive(Subcommand, Debug, Clone)]
pub enum SwarmCommand {
    /// Display and rotate the root CA
    Ca(ca::CaArgs),
    /// Initialize a swarm
    Init(init::InitArgs),
    /// Join a swarm as a node and/or manager
    Join(join::JoinArgs),
    /// Manage join tokens
    #[command(name = "join-token")]
    JoinToken(join_token::JoinTokenArgs),
    /// Leave the swarm
    Leave(leave::LeaveArgs),
    /// Unlock swarm
    Unlock(unlock::UnlockArgs),
    /// Manage the unlock key
    #[command(name = "unlock-key")]
    UnlockKey(unlock_key::UnlockKeyArgs),
    /// Update the swarm
    Update(update::UpdateArgs),
}

pub async fn run(ctx: &mut Ctx, args: SwarmArgs) -> crate::commands::CliResult {
    match args.cmd {
        SwarmCommand::Ca(a) => ca::run(ctx, a).await,
        SwarmCommand::Init(a) => init::run(ctx, a).await,
        SwarmCommand::Join(a) => join::run(ctx, a).await,
        SwarmCommand::JoinToken(a) => join_token::run(ctx, a).await,
        SwarmCommand::Leave(a) => leave::run(ctx, a).await,
        SwarmCommand::Unlock(a) => unlock::run(ctx, a).await,
        SwarmCommand::UnlockKey(a) => unlock_key::run(ctx, a).await,
        SwarmCommand::Update(a) => update::run(ctx, a).await,
    }
}

/// docker's `NodeAddrOption`: `host[:port]` (or `tcp://...`), the port
/// defaulting to 2377.
pub fn parse_node_addr(value: &str) -> Result<String, String> {
    let default_port = "2377";
    if value.is_empty() || value == "tcp://" {
        return Ok(format!("0.0.0.0:{default_port}"));
    }
    let addr = value.strip_prefix("tcp://").unwrap_or(value);
    if addr.contains("://") || addr.is_empty() {
        return Err(format!("invalid proto, expected tcp: {value}"));
    }
    let (host, port) = if let Some(rest) = addr.strip_prefix('[') {
        let (h, after) = rest
            .split_once(']')
            .ok_or_else(|| format!("invalid bind address format: {value}"))?;
        (
            format!("[{h}]"),
            after.strip_prefix(':').unwrap_or(after).to_string(),
        )
    } else {
        match addr.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') => (h.to_string(), p.to_string()),
            Some(_) => return Err(format!("invalid bind address format: {value}")),
            None => (addr.to_string(), String::new()),
        }
    };
    let host = if host.is_empty() {
        "0.0.0.0".to_string()
    } else {
        host
    };
    let port = if port.is_empty() {
        default_port.to_string()
    } else {
        port
    };
    let n: u32 = port
        .parse()
        .map_err(|_| format!("invalid bind address format: {value}"))?;
    if n == 0 || n > 65535 {
        return Err(format!("invalid bind address format: {value}"));
    }
    Ok(format!("{host}:{n}"))
}

/// `--availability` for init and join (docker checks it client-side).
pub fn parse_availability(value: &str) -> Result<String, String> {
    let lower = value.to_lowercase();
    match lower.as_str() {
        "active" | "pause" | "drain" => Ok(lower),
        _ => Err(format!(
            "invalid availability {}, only active, pause and drain are supported",
            shoal_gocompat::strconv::quote(value)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_addrs() {
        assert_eq!(parse_node_addr("10.0.0.1").unwrap(), "10.0.0.1:2377");
        assert_eq!(parse_node_addr("10.0.0.1:4000").unwrap(), "10.0.0.1:4000");
        assert_eq!(parse_node_addr(":4000").unwrap(), "0.0.0.0:4000");
        assert_eq!(parse_node_addr("tcp://eth0").unwrap(), "eth0:2377");
        assert_eq!(parse_node_addr("[::1]:9").unwrap(), "[::1]:9");
        assert_eq!(
            parse_node_addr("udp://x").unwrap_err(),
            "invalid proto, expected tcp: udp://x"
        );
        assert_eq!(
            parse_node_addr("h:99999").unwrap_err(),
            "invalid bind address format: h:99999"
        );
    }

    #[test]
    fn availabilities() {
        assert_eq!(parse_availability("Drain").unwrap(), "drain");
        assert_eq!(
            parse_availability("off").unwrap_err(),
            "invalid availability \"off\", only active, pause and drain are supported"
        );
    }
}
