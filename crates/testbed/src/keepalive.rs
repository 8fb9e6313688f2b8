//! The API client's async, kept-alive form, for load generation: one connection reused
//! across requests, reopened when the server closes it. Many of these run as tokio tasks, so
//! the client's own cost stays small next to the daemons'. Same wire format as
//! [`crate::client`], same endpoints (unix socket or TCP).

use crate::client::{chunk_size, request_head, status_code, Endpoint, Framing};
use anyhow::{bail, Context, Result};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

trait Io: AsyncRead + AsyncWrite + Unpin + Send + Sync {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Sync> Io for T {}

/// One kept-alive connection to an API.
pub struct Conn {
    endpoint: Endpoint,
    stream: Option<BufReader<Box<dyn Io>>>,
}

impl Conn {
    pub fn new(endpoint: Endpoint) -> Conn {
        Conn {
            endpoint,
            stream: None,
        }
    }

    /// Sends one request and reads the reply: (status, body).
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
    ) -> Result<(u16, Vec<u8>)> {
        // A kept-alive connection the server closed in the meantime fails on first use:
        // retry once on a fresh one.
        let reused = self.stream.is_some();
        match self.attempt(method, path, body).await {
            Ok(r) => Ok(r),
            Err(_) if reused => {
                self.stream = None;
                self.attempt(method, path, body).await
            }
            Err(e) => Err(e),
        }
    }

    async fn connect(&self) -> Result<Box<dyn Io>> {
        Ok(match &self.endpoint {
            Endpoint::Unix(p) => Box::new(
                tokio::net::UnixStream::connect(p)
                    .await
                    .with_context(|| format!("connecting to {}", p.display()))?,
            ),
            Endpoint::Tcp(a) => Box::new(
                tokio::net::TcpStream::connect(a)
                    .await
                    .with_context(|| format!("connecting to {a}"))?,
            ),
        })
    }

    async fn attempt(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
    ) -> Result<(u16, Vec<u8>)> {
        let mut s = match self.stream.take() {
            Some(s) => s,
            None => BufReader::new(self.connect().await?),
        };
        let (status, body, keep) = exchange(&mut s, method, path, body).await?;
        if keep {
            self.stream = Some(s);
        }
        Ok((status, body))
    }
}

async fn exchange(
    s: &mut BufReader<Box<dyn Io>>,
    method: &str,
    path: &str,
    body: Option<&[u8]>,
) -> Result<(u16, Vec<u8>, bool)> {
    let mut out = request_head(method, path, body.map(<[u8]>::len), true).into_bytes();
    out.extend_from_slice(body.unwrap_or_default());
    s.get_mut().write_all(&out).await?;

    let mut line = String::new();
    s.read_line(&mut line).await?;
    if line.is_empty() {
        bail!("the server closed the connection");
    }
    let status = status_code(&line)?;
    let mut framing = Framing::default();
    loop {
        line.clear();
        s.read_line(&mut line).await?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        framing.header(l);
    }
    let mut body = Vec::new();
    let mut keep = !framing.close;
    if framing.chunked {
        loop {
            line.clear();
            s.read_line(&mut line).await?;
            let size = chunk_size(&line)?;
            let mut chunk = vec![0; size + 2];
            s.read_exact(&mut chunk).await?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(n) = framing.length {
        body.resize(n, 0);
        s.read_exact(&mut body).await?;
    } else {
        s.read_to_end(&mut body).await?;
        keep = false;
    }
    Ok((status, body, keep))
}
