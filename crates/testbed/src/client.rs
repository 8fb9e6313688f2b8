//! The API client: a small blocking HTTP/1.1 client for the Engine API, over a unix socket
//! or TCP, one connection per request (`Connection: close`), `Content-Length` or chunked
//! replies. Both shoal's API and the Docker Engine's are reached with it.
//!
//! The wire format (request head, status line, headers, chunked bodies) is shared with the
//! async keep-alive variant in [`crate::keepalive`]. It is dependency-free on purpose: the
//! harness must not depend on the crates it tests.

use anyhow::{anyhow, bail, Context, Result};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long one request may take before it is an error.
const IO_TIMEOUT: Duration = Duration::from_secs(120);

/// Where an API listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// A unix socket path.
    Unix(PathBuf),
    /// `host:port`, plain HTTP.
    Tcp(String),
}

/// An Engine-API endpoint.
#[derive(Debug, Clone)]
pub struct Api {
    endpoint: Endpoint,
}

/// A reply: status code and body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Result<serde_json::Value> {
        serde_json::from_slice(&self.body)
            .with_context(|| format!("reply is not JSON: {}", truncate(&self.text(), 300)))
    }
}

impl Api {
    /// An API on a unix socket.
    pub fn new(socket: impl Into<PathBuf>) -> Api {
        Api {
            endpoint: Endpoint::Unix(socket.into()),
        }
    }

    /// An API on plain TCP, `host:port`.
    pub fn tcp(addr: impl Into<String>) -> Api {
        Api {
            endpoint: Endpoint::Tcp(addr.into()),
        }
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The unix socket; panics on a TCP endpoint (a harness bug, not a runtime condition).
    pub fn socket(&self) -> &Path {
        match &self.endpoint {
            Endpoint::Unix(p) => p,
            Endpoint::Tcp(a) => panic!("the API at tcp://{a} has no unix socket"),
        }
    }

    /// `unix:///path` or `tcp://host:port`, for `DOCKER_HOST` or `-H`.
    pub fn docker_host(&self) -> String {
        match &self.endpoint {
            Endpoint::Unix(p) => format!("unix://{}", p.display()),
            Endpoint::Tcp(a) => format!("tcp://{a}"),
        }
    }

    fn connect(&self) -> Result<Box<dyn ReadWrite>> {
        let s: Box<dyn ReadWrite> = match &self.endpoint {
            Endpoint::Unix(p) => {
                let s = std::os::unix::net::UnixStream::connect(p)
                    .with_context(|| format!("connecting to {}", p.display()))?;
                s.set_read_timeout(Some(IO_TIMEOUT))?;
                s.set_write_timeout(Some(IO_TIMEOUT))?;
                Box::new(s)
            }
            Endpoint::Tcp(a) => {
                let s = std::net::TcpStream::connect(a)
                    .with_context(|| format!("connecting to {a}"))?;
                s.set_read_timeout(Some(IO_TIMEOUT))?;
                s.set_write_timeout(Some(IO_TIMEOUT))?;
                Box::new(s)
            }
        };
        Ok(s)
    }

    /// Sends one request with a raw body (sent as `application/json`); any status is
    /// returned, transport errors are errors.
    pub fn request_bytes(&self, method: &str, path: &str, body: Option<&[u8]>) -> Result<Reply> {
        let mut s = self.connect()?;
        let payload = body.unwrap_or_default();
        let head = request_head(method, path, body.map(<[u8]>::len), false);
        s.write_all(head.as_bytes())?;
        s.write_all(payload)?;
        let mut raw = Vec::new();
        s.read_to_end(&mut raw)
            .with_context(|| format!("reading the reply to {method} {path}"))?;
        parse(&raw).with_context(|| format!("{method} {path}"))
    }

    /// Sends one request with a JSON body; any status is returned.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Reply> {
        let payload = body.map(serde_json::to_vec).transpose()?;
        self.request_bytes(method, path, payload.as_deref())
    }

    /// A request that must answer 2xx.
    pub fn ok(&self, method: &str, path: &str, body: Option<&serde_json::Value>) -> Result<Reply> {
        let r = self.request(method, path, body)?;
        if !(200..300).contains(&r.status) {
            bail!(
                "{method} {path}: HTTP {}: {}",
                r.status,
                truncate(&r.text(), 500)
            );
        }
        Ok(r)
    }

    pub fn get_json(&self, path: &str) -> Result<serde_json::Value> {
        self.ok("GET", path, None)?.json()
    }

    pub fn post_json(&self, path: &str, body: &serde_json::Value) -> Result<serde_json::Value> {
        let r = self.ok("POST", path, Some(body))?;
        if r.body.is_empty() {
            return Ok(serde_json::Value::Null);
        }
        r.json()
    }

    /// The tests' form: (status, body as text), `(0, "")` when nothing answers.
    pub fn call(&self, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
        match self.request_bytes(method, path, body.map(str::as_bytes)) {
            Ok(r) => (r.status, r.text()),
            Err(_) => (0, String::new()),
        }
    }

    /// True when `GET /_ping` answers 200.
    pub fn ping(&self) -> bool {
        matches!(self.request("GET", "/_ping", None), Ok(r) if r.status == 200)
    }
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

/// The head of a request; `Connection: close` unless `keep_alive`.
pub(crate) fn request_head(
    method: &str,
    path: &str,
    body_len: Option<usize>,
    keep_alive: bool,
) -> String {
    let mut h = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: shoal-testbed\r\n\
         Content-Length: {}\r\n",
        body_len.unwrap_or(0)
    );
    if body_len.is_some() {
        h.push_str("Content-Type: application/json\r\n");
    }
    if !keep_alive {
        h.push_str("Connection: close\r\n");
    }
    h.push_str("\r\n");
    h
}

/// The status code of a status line (`HTTP/1.1 200 OK`).
pub(crate) fn status_code(line: &str) -> Result<u16> {
    line.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow!("bad status line {line:?}"))
}

/// What the reply's headers say about its body and connection.
#[derive(Debug, Default)]
pub(crate) struct Framing {
    pub length: Option<usize>,
    pub chunked: bool,
    pub close: bool,
}

impl Framing {
    /// Takes one header line into account.
    pub fn header(&mut self, line: &str) {
        let Some((k, v)) = line.split_once(':') else {
            return;
        };
        let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
        match k.as_str() {
            "content-length" => self.length = v.parse().ok(),
            "transfer-encoding" => self.chunked = v.eq_ignore_ascii_case("chunked"),
            "connection" => self.close = v.eq_ignore_ascii_case("close"),
            _ => {}
        }
    }
}

/// The size in a chunk-size line (`1a;ext`).
pub(crate) fn chunk_size(line: &str) -> Result<usize> {
    let s = line.split(';').next().unwrap_or_default().trim();
    usize::from_str_radix(s, 16).with_context(|| format!("bad chunk size {s:?}"))
}

fn parse(raw: &[u8]) -> Result<Reply> {
    let end = find(raw, b"\r\n\r\n").ok_or_else(|| anyhow!("no end of headers in the reply"))?;
    let head = std::str::from_utf8(&raw[..end]).context("headers are not UTF-8")?;
    let mut lines = head.split("\r\n");
    let status = status_code(lines.next().unwrap_or_default())?;
    let mut framing = Framing::default();
    lines.for_each(|l| framing.header(l));
    let rest = &raw[end + 4..];
    let body = if framing.chunked {
        dechunk(rest)?
    } else if let Some(n) = framing.length {
        if rest.len() < n {
            bail!("reply body cut short: {} of {n} bytes", rest.len());
        }
        rest[..n].to_vec()
    } else {
        rest.to_vec()
    };
    Ok(Reply { status, body })
}

fn dechunk(mut b: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = find(b, b"\r\n").ok_or_else(|| anyhow!("bad chunk header"))?;
        let size = chunk_size(std::str::from_utf8(&b[..eol])?)?;
        b = &b[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        if b.len() < size {
            bail!("chunk cut short");
        }
        out.extend_from_slice(&b[..size]);
        b = b.get(size + 2..).unwrap_or_default();
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `s` cut to at most `n` bytes (on a character boundary), with an ellipsis when cut.
pub fn truncate(s: &str, n: usize) -> String {
    if s.len() <= n {
        return s.to_string();
    }
    let mut end = n;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// Percent-encodes a query value (the JSON of `filters=`).
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_content_length_and_chunked() {
        let r = parse(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").unwrap();
        assert_eq!((r.status, r.body.as_slice()), (200, &b"ok"[..]));
        let r = parse(b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
            .unwrap();
        assert_eq!((r.status, r.body.as_slice()), (404, &b"abcde"[..]));
    }

    #[test]
    fn encodes_filters() {
        assert_eq!(urlencode(r#"{"a":["b"]}"#), "%7B%22a%22%3A%5B%22b%22%5D%7D");
    }

    #[test]
    fn an_unreachable_api_answers_status_zero() {
        let api = Api::new("/nonexistent/shoal.sock");
        assert_eq!(api.call("GET", "/_ping", None), (0, String::new()));
        assert!(!api.ping());
    }
}
