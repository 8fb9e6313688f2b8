//! The daemon's flags.

use anyhow::{bail, Result};
use clap::{Args, ValueEnum};
use std::collections::HashMap;
use std::path::PathBuf;

pub const DEFAULT_SOCKET: &str = "unix:///run/shoal/shoal.sock";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExecutorKind {
    Docker,
    Process,
}

#[derive(Debug, Clone, Args)]
pub struct DaemonArgs {
    /// Where the node keeps its state
    #[arg(long, default_value = "/var/lib/shoal")]
    pub data_dir: PathBuf,
    /// Address to serve the API on (unix:///path or tcp://addr:port); repeatable
    #[arg(short = 'H', long = "host")]
    pub host: Vec<String>,
    /// How tasks run: docker (a local Docker Engine) or process (host processes).
    /// Default: docker when the engine at --docker-host answers, otherwise process
    #[arg(long, value_enum)]
    pub executor: Option<ExecutorKind>,
    /// The Docker Engine the docker executor uses
    #[arg(long, default_value = "unix:///var/run/docker.sock")]
    pub docker_host: String,
    /// The node's hostname (default: the machine's)
    #[arg(long)]
    pub hostname: Option<String>,
    /// Engine label k=v (repeatable), usable in placement constraints
    #[arg(long = "label")]
    pub label: Vec<String>,
}

impl DaemonArgs {
    pub fn hosts(&self) -> Vec<String> {
        if self.host.is_empty() {
            vec![DEFAULT_SOCKET.to_string()]
        } else {
            self.host.clone()
        }
    }

    pub fn labels(&self) -> Result<HashMap<String, String>> {
        let mut out = HashMap::new();
        for l in &self.label {
            match l.split_once('=') {
                Some((k, v)) if !k.is_empty() => {
                    out.insert(k.to_string(), v.to_string());
                }
                _ => bail!("invalid label {l:?}: use --label key=value"),
            }
        }
        Ok(out)
    }
}
