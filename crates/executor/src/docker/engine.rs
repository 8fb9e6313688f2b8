//! Connection to the Docker Engine, with API version negotiation done once, lazily.
//!
//! bollard speaks API 1.53 by default and its `negotiate_version` asks `/v1.53/version`, which
//! engines older than that refuse outright ("client version 1.53 is too new. Maximum supported
//! API version is 1.41"). So negotiation here reads the maximum from that refusal and reconnects
//! at that version; bollard's own negotiation then only ever lowers it further.

use std::sync::Arc;

use bollard::errors::Error as BollardError;
use bollard::{ClientVersion, Docker, API_DEFAULT_VERSION};
use tokio::sync::OnceCell;

use crate::ExecError;

/// Seconds bollard waits for a response's headers. Long waits (`wait`, `stop`) get their headers
/// at once or handle the timeout themselves.
const REQUEST_TIMEOUT_SECS: u64 = 120;

/// A cheaply clonable handle on one engine; all clones share the negotiated client.
#[derive(Clone)]
pub(crate) struct Engine {
    host: Arc<str>,
    client: Arc<OnceCell<Docker>>,
    /// Held while engine networks are made and containers put on them, or networks removed:
    /// a network is never removed between its check and a container's create.
    pub(crate) networks: Arc<tokio::sync::Mutex<()>>,
}

impl Engine {
    /// Validates `docker_host` (`unix:///path`, a bare socket path, `tcp://h:p` or
    /// `http://h:p`) without talking to the engine yet.
    pub(crate) fn new(docker_host: &str) -> Result<Self, ExecError> {
        connect_at(docker_host, API_DEFAULT_VERSION).map_err(|e| {
            ExecError::Failed(format!("cannot use docker host {docker_host:?}: {e}"))
        })?;
        Ok(Self {
            host: docker_host.into(),
            client: Arc::new(OnceCell::new()),
            networks: Arc::default(),
        })
    }

    /// The negotiated client. A failed negotiation is retried on the next call.
    pub(crate) async fn docker(&self) -> Result<&Docker, BollardError> {
        self.client.get_or_try_init(|| negotiate(&self.host)).await
    }
}

fn connect_at(host: &str, version: &ClientVersion) -> Result<Docker, BollardError> {
    if host.starts_with("tcp://") || host.starts_with("http://") {
        Docker::connect_with_http(host, REQUEST_TIMEOUT_SECS, version)
    } else if host.starts_with("unix://") || host.starts_with('/') {
        Docker::connect_with_unix(host, REQUEST_TIMEOUT_SECS, version)
    } else {
        Err(BollardError::UnsupportedURISchemeError {
            uri: host.to_string(),
        })
    }
}

async fn negotiate(host: &str) -> Result<Docker, BollardError> {
    let err = match connect_at(host, API_DEFAULT_VERSION)?
        .negotiate_version()
        .await
    {
        Ok(docker) => return Ok(docker),
        Err(e) => e,
    };
    let version = match &err {
        BollardError::DockerResponseServerError {
            status_code: 400,
            message,
        } => supported_version(message),
        _ => None,
    };
    match version {
        Some(version) => {
            tracing::debug!(%host, %version, "docker engine API version negotiated");
            connect_at(host, &version)?.negotiate_version().await
        }
        None => Err(err),
    }
}

/// Parses the version out of the engine's "... Maximum supported API version is 1.41" (or
/// "Minimum ...") refusal.
fn supported_version(message: &str) -> Option<ClientVersion> {
    let (_, rest) = message.rsplit_once("API version is ")?;
    let (major, minor) = rest.trim().trim_end_matches('.').split_once('.')?;
    Some(ClientVersion {
        major_version: major.parse().ok()?,
        minor_version: minor.parse().ok()?,
    })
}

/// The HTTP status of an engine refusal, if that is what `e` is.
pub(crate) fn status_of(e: &BollardError) -> Option<u16> {
    match e {
        BollardError::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
}

/// The engine's own message for a refusal (what `docker` prints), or a description of the
/// transport failure.
pub(crate) fn message_of(e: &BollardError) -> String {
    match e {
        BollardError::DockerResponseServerError { message, .. } => message.clone(),
        other => format!("docker engine: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_engines_version_refusal() {
        let v = supported_version(
            "client version 1.53 is too new. Maximum supported API version is 1.41",
        )
        .expect("a version");
        assert_eq!((v.major_version, v.minor_version), (1, 41));
        assert!(supported_version("No such container: x").is_none());
    }

    #[test]
    fn rejects_unknown_schemes() {
        assert!(Engine::new("ssh://host").is_err());
        assert!(Engine::new("tcp://127.0.0.1:2375").is_ok());
    }
}
