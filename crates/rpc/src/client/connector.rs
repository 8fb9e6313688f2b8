//! The connector tonic's channel dials through: TCP to a fixed address, then a TLS handshake
//! with our rustls configuration (tonic's own TLS cannot take a `rustls::ClientConfig`).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector as RustlsConnector;
use tonic::codegen::http::Uri;
use tower::Service;

/// Dials `addr` and verifies the server as `server_name`. The URI tonic passes is ignored: it
/// is only a placeholder `http://addr` (the channel must not try TLS itself).
#[derive(Clone)]
pub(crate) struct TlsConnector {
    addr: Arc<str>,
    server_name: ServerName<'static>,
    tls: RustlsConnector,
}

impl TlsConnector {
    pub(crate) fn new(
        addr: &str,
        server_name: ServerName<'static>,
        config: rustls::ClientConfig,
    ) -> TlsConnector {
        TlsConnector {
            addr: addr.into(),
            server_name,
            tls: RustlsConnector::from(Arc::new(config)),
        }
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl Service<Uri> for TlsConnector {
    type Response = TokioIo<TlsStream<TcpStream>>;
    type Error = io::Error;
    type Future = BoxFuture<io::Result<Self::Response>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _uri: Uri) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let tcp = TcpStream::connect(&*this.addr)
                .await
                .map_err(|e| context(e, "TCP connect failed"))?;
            tcp.set_nodelay(true)?;
            let tls = this
                .tls
                .connect(this.server_name, tcp)
                .await
                .map_err(|e| context(e, "TLS handshake failed"))?;
            Ok(TokioIo::new(tls))
        })
    }
}

/// Prefixes an I/O error with the step that failed, keeping its kind.
fn context(e: io::Error, step: &str) -> io::Error {
    io::Error::new(e.kind(), format!("{step}: {e}"))
}
