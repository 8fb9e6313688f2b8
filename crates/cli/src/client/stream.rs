//! A response body read incrementally, for endpoints that stream (logs,
//! events, progress): raw chunks, exact-size reads (docker's multiplexed
//! log frames have an 8-byte header) or newline-delimited records.

use super::ClientError;
use http_body_util::BodyExt;
use hyper::body::{Bytes, Incoming};
use hyper::HeaderMap;

/// A successful (2xx) response whose body has not been read yet.
#[derive(Debug)]
pub struct ResponseStream {
    status: u16,
    headers: HeaderMap,
    body: Incoming,
    /// Bytes received but not handed out yet.
    pending: Vec<u8>,
    /// The daemon address, for error messages.
    host: String,
}

impl ResponseStream {
    pub(crate) fn new(status: u16, headers: HeaderMap, body: Incoming, host: String) -> Self {
        ResponseStream {
            status,
            headers,
            body,
            pending: Vec::new(),
            host,
        }
    }

    pub fn status(&self) -> u16 {
        self.status
    }

    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The next piece of body as it arrives; `None` at the end.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, ClientError> {
        if !self.pending.is_empty() {
            return Ok(Some(Bytes::from(std::mem::take(&mut self.pending))));
        }
        self.next_data().await
    }

    async fn next_data(&mut self) -> Result<Option<Bytes>, ClientError> {
        loop {
            let Some(frame) = self.body.frame().await else {
                return Ok(None);
            };
            let frame = frame.map_err(|source| ClientError::Http {
                host: self.host.clone(),
                source,
            })?;
            // Trailers carry no body bytes; skip them.
            if let Ok(data) = frame.into_data() {
                if !data.is_empty() {
                    return Ok(Some(data));
                }
            }
        }
    }

    /// Reads exactly `n` bytes. `None` if the body ended cleanly before
    /// any of them; `UnexpectedEof` if it ended part-way.
    pub async fn read_exact(&mut self, n: usize) -> Result<Option<Vec<u8>>, ClientError> {
        while self.pending.len() < n {
            match self.next_data().await? {
                Some(data) => self.pending.extend_from_slice(&data),
                None if self.pending.is_empty() => return Ok(None),
                None => return Err(ClientError::UnexpectedEof),
            }
        }
        let rest = self.pending.split_off(n);
        Ok(Some(std::mem::replace(&mut self.pending, rest)))
    }

    /// Reads one line without its `\n`; a last line without a newline is
    /// returned as is, then `None`.
    pub async fn read_line(&mut self) -> Result<Option<Vec<u8>>, ClientError> {
        let mut searched = 0;
        loop {
            if let Some(i) = self.pending[searched..].iter().position(|b| *b == b'\n') {
                let end = searched + i;
                let rest = self.pending.split_off(end + 1);
                let mut line = std::mem::replace(&mut self.pending, rest);
                line.truncate(end);
                return Ok(Some(line));
            }
            searched = self.pending.len();
            match self.next_data().await? {
                Some(data) => self.pending.extend_from_slice(&data),
                None if self.pending.is_empty() => return Ok(None),
                None => return Ok(Some(std::mem::take(&mut self.pending))),
            }
        }
    }

    /// Reads the rest of the body.
    pub async fn read_to_end(&mut self) -> Result<Vec<u8>, ClientError> {
        let mut all = std::mem::take(&mut self.pending);
        while let Some(data) = self.next_data().await? {
            all.extend_from_slice(&data);
        }
        Ok(all)
    }
}
