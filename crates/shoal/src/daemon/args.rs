//! The daemon's flags.

use anyhow::{bail, Result};
use clap::{Args, ValueEnum};
use shoal_http_api::tls::TlsFile;
use shoal_http_api::TlsFiles;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

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
    /// Serve TLS on tcp:// hosts, without checking clients (see --tlsverify)
    #[arg(long)]
    pub tls: bool,
    /// Serve TLS on tcp:// hosts and accept only clients with a certificate signed by
    /// --tlscacert (implies --tls)
    #[arg(long)]
    pub tlsverify: bool,
    /// CA that client certificates must chain to [default: ca.pem in $DOCKER_CERT_PATH,
    /// or in ~/.docker]
    #[arg(long, value_name = "PATH")]
    pub tlscacert: Option<PathBuf>,
    /// The server's TLS certificate [default: cert.pem in $DOCKER_CERT_PATH, or in ~/.docker]
    #[arg(long, value_name = "PATH")]
    pub tlscert: Option<PathBuf>,
    /// The server's TLS key [default: key.pem in $DOCKER_CERT_PATH, or in ~/.docker]
    #[arg(long, value_name = "PATH")]
    pub tlskey: Option<PathBuf>,
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

    /// The TLS files, as dockerd picks them: `None` without --tls/--tlsverify; unset paths
    /// default to ca.pem, cert.pem and key.pem in `$DOCKER_CERT_PATH`, else `~/.docker`.
    pub fn tls_files(&self) -> Result<Option<TlsFiles>> {
        if !self.tls && !self.tlsverify {
            // dockerd ignores these then; serving plain HTTP to someone who handed us
            // certificates is worse than refusing to start.
            if self.tlscacert.is_some() || self.tlscert.is_some() || self.tlskey.is_some() {
                bail!(
                    "--tlscacert/--tlscert/--tlskey given without --tls or --tlsverify, so the \
                     API would be served without TLS: add --tlsverify (TLS and client \
                     certificates) or --tls (TLS only)"
                );
            }
            return Ok(None);
        }
        let dir = default_cert_dir();
        let mode = if self.tlsverify {
            "--tlsverify"
        } else {
            "--tls"
        };
        let path = |given: &Option<PathBuf>, file| tls_path(given, dir.as_deref(), file, mode);
        let cert = path(&self.tlscert, TlsFile::Cert)?;
        let key = path(&self.tlskey, TlsFile::Key)?;
        let client_ca = if self.tlsverify {
            Some(path(&self.tlscacert, TlsFile::ClientCa)?)
        } else {
            if self.tlscacert.is_some() {
                tracing::warn!(
                    "WARNING: --tlscacert is ignored without --tlsverify: client certificates \
                     are NOT checked; add --tlsverify to require them"
                );
            }
            None
        };
        Ok(Some(TlsFiles {
            cert,
            key,
            client_ca,
        }))
    }
}

/// dockerd's default place for TLS files: `$DOCKER_CERT_PATH`, else `~/.docker`.
fn default_cert_dir() -> Option<PathBuf> {
    let from_env = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    from_env("DOCKER_CERT_PATH")
        .map(PathBuf::from)
        .or_else(|| from_env("HOME").map(|h| Path::new(&h).join(".docker")))
}

/// The flag's value, else the file's default name in the default directory, which must
/// then exist (a missing default is reported here, in terms of the flag, rather than as an
/// unreadable file the user never named).
fn tls_path(
    given: &Option<PathBuf>,
    dir: Option<&Path>,
    file: TlsFile,
    mode: &str,
) -> Result<PathBuf> {
    if let Some(p) = given {
        return Ok(p.clone());
    }
    let name = match file {
        TlsFile::Cert => "cert.pem",
        TlsFile::Key => "key.pem",
        TlsFile::ClientCa => "ca.pem",
    };
    let flag = file.flag();
    match dir {
        Some(dir) if dir.join(name).exists() => Ok(dir.join(name)),
        Some(dir) => bail!(
            "{mode} needs the {file}: pass {flag} PATH (there is no {name} in {})",
            dir.display()
        ),
        None => bail!(
            "{mode} needs the {file}: pass {flag} PATH (neither $DOCKER_CERT_PATH nor $HOME \
             is set to look for {name})"
        ),
    }
}
