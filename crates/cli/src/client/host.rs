//! Where the daemon listens, parsed from `-H` / `SHOAL_HOST` values:
//! `unix:///path/to.sock`, `tcp://host:port` (also `http://`) or a bare
//! `host:port`.

use super::ClientError;
use std::fmt;
use std::path::PathBuf;

/// Port assumed for `tcp://host` without one (docker's plain-TCP port).
pub const DEFAULT_TCP_PORT: u16 = 2375;

/// The forms `Host::parse` accepts, quoted in its error.
const ACCEPTED: &str = "expected unix:///path/to/socket, tcp://host:port or host:port";

/// A parsed daemon address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    Unix(PathBuf),
    /// `host` is as written, without IPv6 brackets.
    Tcp {
        host: String,
        port: u16,
    },
}

impl Host {
    pub fn parse(s: &str) -> Result<Host, ClientError> {
        let invalid = |why: &str| ClientError::InvalidHost {
            host: s.to_string(),
            reason: format!("{why}; {ACCEPTED}"),
        };
        let s_trim = s.trim();
        if s_trim.is_empty() {
            return Err(invalid("empty host"));
        }
        if let Some(path) = s_trim.strip_prefix("unix://") {
            if path.is_empty() {
                return Err(invalid("missing socket path"));
            }
            return Ok(Host::Unix(PathBuf::from(path)));
        }
        let authority = match s_trim.split_once("://") {
            Some(("tcp" | "http", rest)) => rest.trim_end_matches('/'),
            Some((scheme, _)) => return Err(invalid(&format!("unsupported scheme {scheme:?}"))),
            None => s_trim,
        };
        if authority.contains('/') {
            return Err(invalid("unexpected path"));
        }
        let (host, port) = split_host_port(authority).ok_or_else(|| invalid("invalid address"))?;
        if host.is_empty() {
            return Err(invalid("missing host name"));
        }
        let port = match port {
            None => DEFAULT_TCP_PORT,
            Some(p) => p
                .parse::<u16>()
                .map_err(|_| invalid(&format!("invalid port {p:?}")))?,
        };
        Ok(Host::Tcp {
            host: host.to_string(),
            port,
        })
    }

    /// The value for the HTTP `Host` header. Over a unix socket there is
    /// no real host name, so a fixed one is sent (docker does the same).
    pub fn header_value(&self) -> String {
        match self {
            Host::Unix(_) => "shoal".to_string(),
            Host::Tcp { .. } => self.authority(),
        }
    }

    fn authority(&self) -> String {
        match self {
            Host::Tcp { host, port } if host.contains(':') => format!("[{host}]:{port}"),
            Host::Tcp { host, port } => format!("{host}:{port}"),
            Host::Unix(p) => p.display().to_string(),
        }
    }
}

/// Splits `host[:port]`, `[v6]` or `[v6]:port`.
fn split_host_port(s: &str) -> Option<(&str, Option<&str>)> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        return match after {
            "" => Some((host, None)),
            _ => Some((host, Some(after.strip_prefix(':')?))),
        };
    }
    match s.split_once(':') {
        Some((_, port)) if port.contains(':') => None,
        Some((host, port)) => Some((host, Some(port))),
        None => Some((s, None)),
    }
}

impl fmt::Display for Host {
    /// The canonical URL form, used in messages like docker's.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Unix(p) => write!(f, "unix://{}", p.display()),
            Host::Tcp { .. } => write!(f, "tcp://{}", self.authority()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_accepted_forms() {
        let tcp = |h: &str, p| Host::Tcp {
            host: h.to_string(),
            port: p,
        };
        let cases: &[(&str, Host, &str)] = &[
            (
                "unix:///var/run/shoal.sock",
                Host::Unix("/var/run/shoal.sock".into()),
                "unix:///var/run/shoal.sock",
            ),
            (
                "tcp://127.0.0.1:2377",
                tcp("127.0.0.1", 2377),
                "tcp://127.0.0.1:2377",
            ),
            ("tcp://node1", tcp("node1", 2375), "tcp://node1:2375"),
            ("http://node1:80/", tcp("node1", 80), "tcp://node1:80"),
            (
                "localhost:9000",
                tcp("localhost", 9000),
                "tcp://localhost:9000",
            ),
            ("tcp://[::1]:2375", tcp("::1", 2375), "tcp://[::1]:2375"),
        ];
        for (input, want, shown) in cases {
            let got = Host::parse(input).unwrap();
            assert_eq!(&got, want, "{input}");
            assert_eq!(got.to_string(), *shown);
        }
    }

    #[test]
    fn rejects_bad_forms_with_a_hint() {
        for bad in [
            "",
            "  ",
            "unix://",
            "ssh://me@box",
            "tcp://host:notaport",
            "tcp://:2375",
            "host:1:2",
            "npipe:////./pipe/x",
            "tcp://h:1/path",
        ] {
            let err = Host::parse(bad).expect_err(bad).to_string();
            assert!(
                err.contains("unix:///path/to/socket, tcp://host:port or host:port"),
                "{bad}: {err}"
            );
        }
    }
}
