//! HTTP client for the daemon's Docker-Engine-compatible API, over a unix
//! socket or TCP. One connection per request keeps it simple and is cheap
//! for a CLI that makes a handful of calls.
//!
//! Every request carries `Host`, `User-Agent: shoal-cli/<version>` and,
//! with a JSON body, `Content-Type: application/json`. Non-2xx answers
//! become [`ClientError::Api`] (`Error response from daemon: <message>`).

mod error;
mod host;
mod query;
mod stream;

pub use error::ClientError;
pub use host::{Host, DEFAULT_TCP_PORT};
pub use hyper::Method;
pub use query::{encode_query, escape as query_escape, with_query};
pub use stream::ResponseStream;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::client::conn::http1;
use hyper::header::{HeaderValue, HOST, USER_AGENT};
use hyper::{HeaderMap, Request};
use hyper_util::rt::TokioIo;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The `User-Agent` every request sends.
pub const USER_AGENT_VALUE: &str = concat!("shoal-cli/", env!("CARGO_PKG_VERSION"));

/// A fully read response with a 2xx status.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Response {
    /// Decodes the body as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ClientError> {
        Ok(serde_json::from_slice(&self.body)?)
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header value, if present and valid text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A handle on one daemon address; cheap to clone.
#[derive(Debug, Clone)]
pub struct Client {
    host: Host,
    /// Prepended to every path, e.g. `/v1.47`; empty by default.
    prefix: String,
}

impl Client {
    /// `host` is `unix:///path`, `tcp://host:port` or `host:port`.
    pub fn new(host: &str) -> Result<Client, ClientError> {
        Ok(Self::from_host(Host::parse(host)?))
    }

    pub fn from_host(host: Host) -> Client {
        Client {
            host,
            prefix: String::new(),
        }
    }

    /// Prefixes paths with `/v<version>` as docker's client does
    /// (`with_api_version("1.47")`).
    pub fn with_api_version(mut self, version: &str) -> Client {
        self.prefix = format!("/v{}", version.trim_start_matches('v'));
        self
    }

    pub fn host(&self) -> &Host {
        &self.host
    }

    pub async fn get(&self, path: &str) -> Result<Response, ClientError> {
        self.request(Method::GET, path, None, &[]).await
    }

    /// GET and decode the JSON body (use `serde_json::Value` for untyped).
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        self.get(path).await?.json()
    }

    /// POST without a body.
    pub async fn post(&self, path: &str) -> Result<Response, ClientError> {
        self.request(Method::POST, path, None, &[]).await
    }

    /// POST `body` serialized as JSON.
    pub async fn post_json<B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<Response, ClientError> {
        let bytes = serde_json::to_vec(body)?;
        self.request(
            Method::POST,
            path,
            Some(Bytes::from(bytes)),
            &[("content-type", "application/json")],
        )
        .await
    }

    pub async fn delete(&self, path: &str) -> Result<Response, ClientError> {
        self.request(Method::DELETE, path, None, &[]).await
    }

    pub async fn head(&self, path: &str) -> Result<Response, ClientError> {
        self.request(Method::HEAD, path, None, &[]).await
    }

    /// `GET /_ping`, the daemon's liveness check.
    pub async fn ping(&self) -> Result<Response, ClientError> {
        self.get("/_ping").await
    }

    /// Sends a request and reads the whole 2xx response. `headers` may set
    /// `content-type` for `body`.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
        headers: &[(&str, &str)],
    ) -> Result<Response, ClientError> {
        let resp = self.send(method, path, body, headers).await?;
        let status = resp.status().as_u16();
        let (parts, body) = resp.into_parts();
        let body = self.collect(body).await?;
        Ok(Response {
            status,
            headers: parts.headers,
            body,
        })
    }

    /// GET whose body is read incrementally (logs, events).
    pub async fn get_stream(&self, path: &str) -> Result<ResponseStream, ClientError> {
        self.stream(Method::GET, path, None, &[]).await
    }

    /// Sends a request and returns the 2xx response with its body unread.
    pub async fn stream(
        &self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
        headers: &[(&str, &str)],
    ) -> Result<ResponseStream, ClientError> {
        let resp = self.send(method, path, body, headers).await?;
        let status = resp.status().as_u16();
        let (parts, body) = resp.into_parts();
        Ok(ResponseStream::new(
            status,
            parts.headers,
            body,
            self.host.to_string(),
        ))
    }

    /// Connects, sends, and turns a non-2xx status into `ClientError::Api`.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
        headers: &[(&str, &str)],
    ) -> Result<hyper::Response<Incoming>, ClientError> {
        if !path.starts_with('/') {
            return Err(ClientError::InvalidRequest(format!(
                "path {path:?} must start with '/'"
            )));
        }
        let mut builder = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.prefix))
            .header(HOST, self.host.header_value())
            .header(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let req = builder
            .body(Full::new(body.unwrap_or_default()))
            .map_err(|e| ClientError::InvalidRequest(e.to_string()))?;

        let mut sender = self.connect().await?;
        let resp = sender
            .send_request(req)
            .await
            .map_err(|e| self.http_err(e))?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status();
        let body = self.collect(resp.into_body()).await?;
        Err(ClientError::Api {
            status: status.as_u16(),
            message: api_message(status, &body),
        })
    }

    async fn connect(&self) -> Result<http1::SendRequest<Full<Bytes>>, ClientError> {
        let shown = || self.host.to_string();
        let (sender, conn) = match &self.host {
            Host::Unix(path) => {
                let stream = tokio::net::UnixStream::connect(path)
                    .await
                    .map_err(|e| ClientError::connect(shown(), e))?;
                let (s, c) = http1::handshake(TokioIo::new(stream))
                    .await
                    .map_err(|e| self.http_err(e))?;
                (s, Driver::Unix(c))
            }
            Host::Tcp { host, port } => {
                let stream = tokio::net::TcpStream::connect((host.as_str(), *port))
                    .await
                    .map_err(|e| ClientError::connect(shown(), e))?;
                let (s, c) = http1::handshake(TokioIo::new(stream))
                    .await
                    .map_err(|e| self.http_err(e))?;
                (s, Driver::Tcp(c))
            }
        };
        // The connection must be polled for the request and body to move;
        // its errors also surface through send_request / body reads, so
        // the task's own result carries nothing new.
        tokio::spawn(async move {
            let _ = match conn {
                Driver::Unix(c) => c.await,
                Driver::Tcp(c) => c.await,
            };
        });
        Ok(sender)
    }

    async fn collect(&self, body: Incoming) -> Result<Bytes, ClientError> {
        Ok(body
            .collect()
            .await
            .map_err(|e| self.http_err(e))?
            .to_bytes())
    }

    fn http_err(&self, source: hyper::Error) -> ClientError {
        ClientError::Http {
            host: self.host.to_string(),
            source,
        }
    }
}

/// The connection future for either transport.
enum Driver {
    Unix(http1::Connection<TokioIo<tokio::net::UnixStream>, Full<Bytes>>),
    Tcp(http1::Connection<TokioIo<tokio::net::TcpStream>, Full<Bytes>>),
}

/// The error text of a failed response: docker-style JSON `message`, else
/// the body text, else `<code> <reason>`.
fn api_message(status: hyper::StatusCode, body: &[u8]) -> String {
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(body) {
        if let Some(serde_json::Value::String(m)) = map.get("message") {
            return m.clone();
        }
    }
    let text = String::from_utf8_lossy(body).trim().to_string();
    if !text.is_empty() {
        return text;
    }
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_messages() {
        let s = hyper::StatusCode::NOT_FOUND;
        assert_eq!(
            api_message(s, br#"{"message":"service web not found"}"#),
            "service web not found"
        );
        assert_eq!(api_message(s, b"plain text\n"), "plain text");
        assert_eq!(api_message(s, b""), "404 Not Found");
        assert_eq!(api_message(s, br#"{"other":1}"#), r#"{"other":1}"#);
    }

    #[test]
    fn user_agent_has_version() {
        assert_eq!(
            USER_AGENT_VALUE,
            format!("shoal-cli/{}", env!("CARGO_PKG_VERSION"))
        );
    }
}
