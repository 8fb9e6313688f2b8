//! A minimal async HTTP/1.1 client on one kept-alive unix-socket connection, for the write
//! load: many of these run as tokio tasks, so the client's own cost stays small next to the
//! daemons'. It reconnects when the server closes the connection. Replies with
//! `Content-Length` or chunked bodies.

use anyhow::{anyhow, bail, Context, Result};
use std::path::PathBuf;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;

pub struct Conn {
    socket: PathBuf,
    stream: Option<BufReader<UnixStream>>,
}

impl Conn {
    pub fn new(socket: PathBuf) -> Conn {
        Conn {
            socket,
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

    async fn attempt(
        &mut self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
    ) -> Result<(u16, Vec<u8>)> {
        if self.stream.is_none() {
            let s = UnixStream::connect(&self.socket)
                .await
                .with_context(|| format!("connecting to {}", self.socket.display()))?;
            self.stream = Some(BufReader::new(s));
        }
        let result = exchange(self.stream.as_mut().expect("connected"), method, path, body).await;
        match result {
            Ok((status, body, keep)) => {
                if !keep {
                    self.stream = None;
                }
                Ok((status, body))
            }
            Err(e) => {
                self.stream = None;
                Err(e)
            }
        }
    }
}

async fn exchange(
    s: &mut BufReader<UnixStream>,
    method: &str,
    path: &str,
    body: Option<&[u8]>,
) -> Result<(u16, Vec<u8>, bool)> {
    let payload = body.unwrap_or_default();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: shoal-bench\r\nContent-Length: {}\r\n",
        payload.len()
    );
    if body.is_some() {
        req.push_str("Content-Type: application/json\r\n");
    }
    req.push_str("\r\n");
    let mut out = req.into_bytes();
    out.extend_from_slice(payload);
    s.get_mut().write_all(&out).await?;

    let mut line = String::new();
    s.read_line(&mut line).await?;
    if line.is_empty() {
        bail!("the server closed the connection");
    }
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|x| x.parse().ok())
        .ok_or_else(|| anyhow!("bad status line {line:?}"))?;
    let (mut length, mut chunked, mut keep) = (None, false, true);
    loop {
        line.clear();
        s.read_line(&mut line).await?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
            match k.as_str() {
                "content-length" => length = v.parse::<usize>().ok(),
                "transfer-encoding" => chunked = v.eq_ignore_ascii_case("chunked"),
                "connection" => keep = !v.eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            line.clear();
            s.read_line(&mut line).await?;
            let size_str = line.trim().split(';').next().unwrap_or_default();
            let size = usize::from_str_radix(size_str, 16)
                .with_context(|| format!("bad chunk size {size_str:?}"))?;
            let mut chunk = vec![0; size + 2];
            s.read_exact(&mut chunk).await?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(n) = length {
        body.resize(n, 0);
        s.read_exact(&mut body).await?;
    } else {
        s.read_to_end(&mut body).await?;
        keep = false;
    }
    Ok((status, body, keep))
}
