//! Listening on `unix:///path` and `tcp://host:port` endpoints and serving the router on
//! each until shutdown; TCP endpoints serve TLS when given a [`ServerTls`], unix sockets
//! never (their file permissions are the access control, as with dockerd).

use crate::routes::router;
use crate::state::AppState;
use crate::tls::ServerTls;
use crate::tls_listener::TlsListener;
use crate::version::rewrite;
use axum::ServiceExt;
use std::net::IpAddr;
use std::path::PathBuf;
use tokio::sync::watch;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Unix(PathBuf),
    Tcp(String),
}

#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    #[error("invalid host {0:?}: use unix:///path/to/socket or tcp://address:port")]
    Invalid(String),
    #[error("cannot listen on {endpoint}: {source}")]
    Bind {
        endpoint: String,
        source: std::io::Error,
    },
}

impl Endpoint {
    pub fn parse(s: &str) -> Result<Endpoint, ListenError> {
        if let Some(p) = s.strip_prefix("unix://") {
            if p.is_empty() {
                return Err(ListenError::Invalid(s.into()));
            }
            return Ok(Endpoint::Unix(PathBuf::from(p)));
        }
        let addr = s.strip_prefix("tcp://").unwrap_or(s);
        if addr.contains(':') && !addr.contains('/') {
            Ok(Endpoint::Tcp(addr.to_string()))
        } else {
            Err(ListenError::Invalid(s.into()))
        }
    }

    /// True for TCP endpoints that may be reachable from other machines: anything but a
    /// loopback address or `localhost` (a host name may resolve to any interface, and an
    /// empty host means all of them).
    pub fn is_exposed(&self) -> bool {
        let Endpoint::Tcp(addr) = self else {
            return false;
        };
        let host = addr.rsplit_once(':').map_or(addr.as_str(), |(h, _)| h);
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.eq_ignore_ascii_case("localhost") {
            return false;
        }
        match host.parse::<IpAddr>() {
            Ok(ip) => !ip.to_canonical().is_loopback(),
            Err(_) => true,
        }
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::Unix(p) => write!(f, "unix://{}", p.display()),
            Endpoint::Tcp(a) => write!(f, "tcp://{a}"),
        }
    }
}

/// Binds every endpoint (so a bad one fails the daemon at start), then serves them all
/// until `stop` turns true, with TLS on the TCP ones when `tls` is given. The returned set
/// finishes once every server has stopped.
pub async fn serve(
    endpoints: &[Endpoint],
    tls: Option<&ServerTls>,
    state: AppState,
    stop: watch::Receiver<bool>,
) -> Result<tokio::task::JoinSet<()>, ListenError> {
    let mut set = tokio::task::JoinSet::new();
    for ep in endpoints {
        let app = tower::util::MapRequestLayer::new(rewrite).layer(router(state.clone()));
        let mut stop = stop.clone();
        let shutdown = async move {
            let _ = stop.wait_for(|s| *s).await;
        };
        let bind_err = |source| ListenError::Bind {
            endpoint: ep.to_string(),
            source,
        };
        match ep {
            Endpoint::Unix(path) => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(bind_err)?;
                }
                // A socket left by a daemon that died; the data-dir lock guarantees that
                // no live daemon of ours owns it.
                if path.exists() {
                    let _ = std::fs::remove_file(path);
                }
                let l = tokio::net::UnixListener::bind(path).map_err(bind_err)?;
                set.spawn(async move {
                    let _ = axum::serve(l, app.into_make_service())
                        .with_graceful_shutdown(shutdown)
                        .await;
                });
            }
            Endpoint::Tcp(addr) => {
                let l = tokio::net::TcpListener::bind(addr)
                    .await
                    .map_err(bind_err)?;
                match tls {
                    Some(tls) => {
                        let l = TlsListener::new(l, tls);
                        set.spawn(async move {
                            let _ = axum::serve(l, app.into_make_service())
                                .with_graceful_shutdown(shutdown)
                                .await;
                        });
                    }
                    None => {
                        set.spawn(async move {
                            let _ = axum::serve(l, app.into_make_service())
                                .with_graceful_shutdown(shutdown)
                                .await;
                        });
                    }
                }
            }
        }
    }
    Ok(set)
}

use tower::Layer;

#[cfg(test)]
mod tests {
    use super::Endpoint;

    fn exposed(host: &str) -> bool {
        Endpoint::parse(host).unwrap().is_exposed()
    }

    #[test]
    fn loopback_and_unix_are_not_exposed() {
        for h in [
            "unix:///run/shoal.sock",
            "tcp://127.0.0.1:2375",
            "tcp://127.1.2.3:2375",
            "tcp://localhost:2375",
            "tcp://[::1]:2375",
            "tcp://[::ffff:127.0.0.1]:2375",
        ] {
            assert!(!exposed(h), "{h}");
        }
    }

    #[test]
    fn everything_else_is_exposed() {
        for h in [
            "tcp://0.0.0.0:2375",
            "tcp://:2375",
            "tcp://[::]:2375",
            "tcp://10.0.0.1:2375",
            "tcp://localhost.example.com:2375",
            "tcp://127.example.com:2375",
            "tcp://node1:2375",
        ] {
            assert!(exposed(h), "{h}");
        }
    }
}
