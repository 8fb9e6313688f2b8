//! The node's upstream resolvers: where they come from (the host's `/etc/resolv.conf`) and
//! how a question is relayed to one of them, unchanged, over the transport the asker used.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

/// The `nameserver` lines of a resolv.conf, on port 53, in order; loopback ones included
/// (the resolver never forwards to one of its own listeners). Scoped IPv6 addresses
/// (`fe80::1%eth0`) are skipped.
pub fn parse_resolv_conf(text: &str) -> Vec<SocketAddr> {
    text.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            (words.next()? == "nameserver").then_some(())?;
            let ip: IpAddr = words.next()?.parse().ok()?;
            Some(SocketAddr::new(ip, 53))
        })
        .collect()
}

/// The host's upstream resolvers, from `/etc/resolv.conf` (none if it cannot be read).
pub fn host_upstreams() -> Vec<SocketAddr> {
    std::fs::read_to_string("/etc/resolv.conf")
        .map(|text| parse_resolv_conf(&text))
        .unwrap_or_default()
}

/// Whether `reply` answers `query`: a response carrying the query's ID.
fn answers(query: &[u8], reply: &[u8]) -> bool {
    reply.len() >= 12 && query.len() >= 2 && reply[..2] == query[..2] && reply[2] & 0x80 != 0
}

/// Sends `query` to `upstream` over UDP from a fresh socket and waits up to `timeout` for
/// its answer; `None` on timeout or error.
pub(crate) async fn udp(query: &[u8], upstream: SocketAddr, timeout: Duration) -> Option<Vec<u8>> {
    let exchange = async {
        let any: IpAddr = match upstream {
            SocketAddr::V4(_) => Ipv4Addr::UNSPECIFIED.into(),
            SocketAddr::V6(_) => Ipv6Addr::UNSPECIFIED.into(),
        };
        let socket = UdpSocket::bind(SocketAddr::new(any, 0)).await?;
        socket.connect(upstream).await?;
        socket.send(query).await?;
        let mut buf = vec![0u8; 65535];
        loop {
            let n = socket.recv(&mut buf).await?;
            if answers(query, &buf[..n]) {
                buf.truncate(n);
                return Ok::<_, std::io::Error>(buf);
            }
        }
    };
    relay_result(upstream, tokio::time::timeout(timeout, exchange).await)
}

/// Sends `query` to `upstream` over TCP (length-prefixed) and waits up to `timeout` for
/// its answer; `None` on timeout or error.
pub(crate) async fn tcp(query: &[u8], upstream: SocketAddr, timeout: Duration) -> Option<Vec<u8>> {
    let exchange = async {
        let mut stream = TcpStream::connect(upstream).await?;
        write_frame(&mut stream, query).await?;
        let reply = read_frame(&mut stream).await?;
        if !answers(query, &reply) {
            return Err(std::io::Error::other("reply does not answer the query"));
        }
        Ok(reply)
    };
    relay_result(upstream, tokio::time::timeout(timeout, exchange).await)
}

/// Reads one length-prefixed DNS message (RFC 1035 4.2.2).
pub(crate) async fn read_frame(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 2];
    stream.read_exact(&mut len).await?;
    let mut message = vec![0u8; usize::from(u16::from_be_bytes(len))];
    stream.read_exact(&mut message).await?;
    Ok(message)
}

/// Writes one length-prefixed DNS message.
pub(crate) async fn write_frame(stream: &mut TcpStream, message: &[u8]) -> std::io::Result<()> {
    let len = u16::try_from(message.len()).map_err(std::io::Error::other)?;
    let mut framed = Vec::with_capacity(message.len() + 2);
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(message);
    stream.write_all(&framed).await
}

fn relay_result(
    upstream: SocketAddr,
    result: Result<std::io::Result<Vec<u8>>, tokio::time::error::Elapsed>,
) -> Option<Vec<u8>> {
    match result {
        Ok(Ok(reply)) => Some(reply),
        Ok(Err(e)) => {
            tracing::debug!(%upstream, "dns upstream: {e}");
            None
        }
        Err(_) => {
            tracing::debug!(%upstream, "dns upstream timed out");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nameservers_in_order() {
        let text = "# generated\nsearch example.com\nnameserver 10.255.255.53\n\
                    nameserver 127.0.0.53 # local\nnameserver fe80::1%eth0\n\
                    nameserver  2001:db8::1\noptions ndots:1\nnameserver\n";
        assert_eq!(
            parse_resolv_conf(text),
            vec![
                "10.255.255.53:53".parse().unwrap(),
                "127.0.0.53:53".parse().unwrap(),
                "[2001:db8::1]:53".parse().unwrap(),
            ]
        );
    }

    #[test]
    fn only_responses_with_the_same_id_answer() {
        let query = [0x12, 0x34, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        let mut reply = query;
        assert!(!answers(&query, &reply));
        reply[2] |= 0x80;
        assert!(answers(&query, &reply));
        reply[1] = 0x35;
        assert!(!answers(&query, &reply));
    }
}
