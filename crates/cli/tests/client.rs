//! The API client against small real servers started in the test: a
//! hyper echo server on 127.0.0.1 and on a unix socket in a temp dir, and
//! a raw-bytes server that streams a chunked body slowly.

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use shoal_cli::client::{Client, ClientError, Method};
use std::convert::Infallible;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, UnixListener};

/// Echoes the request as JSON, or answers with canned errors by path.
async fn handle(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (method, uri) = (req.method().to_string(), req.uri().to_string());
    let (host, agent, ctype) = (header("host"), header("user-agent"), header("content-type"));
    let path = req.uri().path().to_string();
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let reply = |status: StatusCode, body: String| {
        let mut resp = Response::new(Full::new(Bytes::from(body)));
        *resp.status_mut() = status;
        Ok(resp)
    };
    match path.as_str() {
        "/missing" => reply(
            StatusCode::NOT_FOUND,
            r#"{"message":"service foo not found"}"#.into(),
        ),
        "/boom" => reply(StatusCode::INTERNAL_SERVER_ERROR, "boom\n".into()),
        "/empty-error" => reply(StatusCode::SERVICE_UNAVAILABLE, String::new()),
        "/_ping" => reply(StatusCode::OK, "OK".into()),
        _ => {
            let echo = json!({
                "method": method,
                "uri": uri,
                "host": host,
                "user_agent": agent,
                "content_type": ctype,
                "body": String::from_utf8_lossy(&body),
            });
            reply(StatusCode::OK, echo.to_string())
        }
    }
}

fn serve<S>(stream: S)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let _ = hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(stream), service_fn(handle))
            .await;
    });
}

async fn tcp_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            serve(stream);
        }
    });
    addr.to_string()
}

async fn unix_server(dir: &tempfile::TempDir) -> String {
    let path = dir.path().join("shoal.sock");
    let listener = UnixListener::bind(&path).unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            serve(stream);
        }
    });
    format!("unix://{}", path.display())
}

/// Runs the shared request checks against one client.
async fn exercise(client: &Client, want_host: &str) {
    let echo: Value = client.get_json("/echo?all=1").await.unwrap();
    assert_eq!(echo["method"], "GET");
    assert_eq!(echo["uri"], "/echo?all=1");
    assert_eq!(echo["host"], want_host);
    assert_eq!(
        echo["user_agent"],
        format!("shoal-cli/{}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(echo["content_type"], Value::Null);

    let resp = client
        .post_json("/services/create", &json!({"Name": "web"}))
        .await
        .unwrap();
    assert_eq!(resp.status, 200);
    let echo: Value = resp.json().unwrap();
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["content_type"], "application/json");
    assert_eq!(echo["body"], r#"{"Name":"web"}"#);

    let echo: Value = client
        .post("/services/web/rollback")
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        (echo["method"].as_str(), echo["body"].as_str()),
        (Some("POST"), Some(""))
    );
    let echo: Value = client
        .delete("/services/web")
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(echo["method"], "DELETE");

    let head = client.head("/services/web").await.unwrap();
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());

    assert_eq!(client.ping().await.unwrap().text(), "OK");

    let err = client.get("/missing").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "Error response from daemon: service foo not found"
    );
    assert!(err.is_not_found());
    match err {
        ClientError::Api { status, message } => {
            assert_eq!((status, message.as_str()), (404, "service foo not found"))
        }
        other => panic!("want Api error, got {other:?}"),
    }
    let err = client.delete("/boom").await.unwrap_err();
    assert_eq!(err.to_string(), "Error response from daemon: boom");
    assert_eq!(err.status(), Some(500));
    let err = client.get("/empty-error").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "Error response from daemon: 503 Service Unavailable"
    );
    let err = client.head("/missing").await.unwrap_err();
    assert_eq!(err.status(), Some(404));

    // A non-2xx on a streaming request is reported before any body is read.
    let err = client.get_stream("/missing").await.unwrap_err();
    assert!(err.is_not_found());
}

#[tokio::test]
async fn over_tcp() {
    let addr = tcp_server().await;
    for host in [
        format!("tcp://{addr}"),
        addr.clone(),
        format!("http://{addr}"),
    ] {
        let client = Client::new(&host).unwrap();
        exercise(&client, &addr).await;
    }
}

#[tokio::test]
async fn over_unix_socket() {
    let dir = tempfile::tempdir().unwrap();
    let host = unix_server(&dir).await;
    let client = Client::new(&host).unwrap();
    exercise(&client, "shoal").await;
}

#[tokio::test]
async fn api_version_prefix_and_custom_request() {
    let addr = tcp_server().await;
    let client = Client::new(&addr).unwrap().with_api_version("1.47");
    let echo: Value = client.get_json("/services").await.unwrap();
    assert_eq!(echo["uri"], "/v1.47/services");
    let resp = client
        .request(
            Method::PUT,
            "/x",
            Some(Bytes::from_static(b"raw")),
            &[("content-type", "text/plain"), ("x-registry-auth", "e30=")],
        )
        .await
        .unwrap();
    let echo: Value = resp.json().unwrap();
    assert_eq!(
        (
            echo["method"].as_str(),
            echo["content_type"].as_str(),
            echo["body"].as_str()
        ),
        (Some("PUT"), Some("text/plain"), Some("raw"))
    );
    let err = client.get("no-slash").await.unwrap_err();
    assert!(matches!(err, ClientError::InvalidRequest(_)), "{err:?}");
}

#[tokio::test]
async fn missing_socket_says_daemon_not_running() {
    let dir = tempfile::tempdir().unwrap();
    let host = format!("unix://{}", dir.path().join("nope.sock").display());
    let err = Client::new(&host).unwrap().get("/info").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("Cannot connect to the shoal daemon at {host}. Is the shoal daemon running?")
    );
    assert!(matches!(err, ClientError::Connect { .. }));
}

#[tokio::test]
async fn refused_port_says_daemon_not_running() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let err = Client::new(&addr.to_string())
        .unwrap()
        .get("/info")
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("Cannot connect to the shoal daemon at tcp://{addr}. Is the shoal daemon running?")
    );
}

#[test]
fn bad_hosts_are_rejected_up_front() {
    for bad in ["", "ssh://box", "fd://"] {
        let err = Client::new(bad).unwrap_err().to_string();
        assert!(
            err.contains("unix:///path/to/socket, tcp://host:port or host:port"),
            "{bad}: {err}"
        );
    }
}

/// A server that sends a chunked body in small pieces with pauses, like a
/// log or event stream, then closes.
async fn streaming_server(chunks: Vec<&'static [u8]>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let Ok((mut stream, _)) = listener.accept().await else {
            return;
        };
        // Read the request head before answering.
        let mut buf = vec![0u8; 4096];
        let mut got = Vec::new();
        while !got.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = tokio::io::AsyncReadExt::read(&mut stream, &mut buf)
                .await
                .unwrap();
            if n == 0 {
                return;
            }
            got.extend_from_slice(&buf[..n]);
        }
        let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
        stream.write_all(head).await.unwrap();
        for chunk in chunks {
            let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
            stream.write_all(&framed).await.unwrap();
            stream.flush().await.unwrap();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        stream.write_all(b"0\r\n\r\n").await.unwrap();
    });
    addr.to_string()
}

#[tokio::test]
async fn streams_lines_across_chunks() {
    let addr = streaming_server(vec![
        b"{\"a\":1}\n{\"b\"",
        b":2}\n",
        b"tail without newline",
    ])
    .await;
    let mut s = Client::new(&addr)
        .unwrap()
        .get_stream("/events")
        .await
        .unwrap();
    assert_eq!(s.status(), 200);
    assert_eq!(
        s.headers().get("content-type").unwrap(),
        "application/vnd.docker.multiplexed-stream"
    );
    assert_eq!(
        s.read_line().await.unwrap().as_deref(),
        Some(&b"{\"a\":1}"[..])
    );
    assert_eq!(
        s.read_line().await.unwrap().as_deref(),
        Some(&b"{\"b\":2}"[..])
    );
    assert_eq!(
        s.read_line().await.unwrap().as_deref(),
        Some(&b"tail without newline"[..])
    );
    assert_eq!(s.read_line().await.unwrap(), None);
}

#[tokio::test]
async fn streams_exact_frames() {
    // docker's multiplexed log framing: [stream, 0, 0, 0, len(be u32)] + payload,
    // split across chunks at awkward places.
    let addr = streaming_server(vec![
        b"\x01\x00\x00",
        b"\x00\x00\x00\x00\x03hi\n\x02\x00\x00\x00",
        b"\x00\x00\x00\x04err\n",
    ])
    .await;
    let mut s = Client::new(&addr)
        .unwrap()
        .get_stream("/services/web/logs")
        .await
        .unwrap();
    let mut frames = Vec::new();
    while let Some(header) = s.read_exact(8).await.unwrap() {
        let len = u32::from_be_bytes([header[4], header[5], header[6], header[7]]) as usize;
        let payload = s.read_exact(len).await.unwrap().unwrap();
        frames.push((header[0], String::from_utf8(payload).unwrap()));
    }
    assert_eq!(
        frames,
        vec![(1, "hi\n".to_string()), (2, "err\n".to_string())]
    );
}

#[tokio::test]
async fn stream_chunks_and_truncated_frames() {
    let addr = streaming_server(vec![b"abc", b"defg"]).await;
    let mut s = Client::new(&addr).unwrap().get_stream("/x").await.unwrap();
    assert_eq!(s.read_exact(2).await.unwrap().as_deref(), Some(&b"ab"[..]));
    assert_eq!(s.chunk().await.unwrap().as_deref(), Some(&b"c"[..]));
    assert_eq!(
        s.read_exact(10).await.unwrap_err().to_string(),
        "unexpected end of stream from daemon"
    );

    let addr = streaming_server(vec![b"one", b"two"]).await;
    let mut s = Client::new(&addr).unwrap().get_stream("/x").await.unwrap();
    assert_eq!(s.read_to_end().await.unwrap(), b"onetwo");
    assert_eq!(s.chunk().await.unwrap(), None);
}
