//! The resolver's I/O shell: UDP and TCP listeners (one pair per address, added and removed
//! as the node's bridges come and go), answering swarm names from the current
//! [`Table`] and relaying everything else to the upstream resolvers.

use super::names::{self, Answer, Table};
use super::upstream;
use crate::NetError;
use hickory_proto::op::{Edns, Message, MessageType, Metadata, OpCode, ResponseCode};
use hickory_proto::rr::rdata::A;
use hickory_proto::rr::{DNSClass, RData, Record, RecordType};
use shoal_api::NetView;
use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;

/// TTL of the swarm's own answers, as Docker's embedded DNS.
pub const SWARM_TTL: u32 = 600;
/// How long one upstream resolver is waited for before the next is tried.
pub const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(2);
/// Questions (and TCP connections) handled at once; beyond that, UDP questions are dropped
/// and connections refused, so a flood cannot exhaust the node.
const MAX_IN_FLIGHT: usize = 1024;
/// A TCP connection with no complete question for this long is closed.
const TCP_IDLE: Duration = Duration::from_secs(10);
/// The largest UDP answer we advertise with EDNS.
const EDNS_PAYLOAD: u16 = 1232;

/// A node's DNS resolver: the swarm's names for the node's tasks, the upstream resolvers
/// for the rest. Dropping it stops every listener.
pub struct Resolver {
    shared: Arc<Shared>,
    listeners: Mutex<Vec<Listener>>,
}

struct Shared {
    table: RwLock<Arc<Table>>,
    upstreams: Vec<SocketAddr>,
    timeout: Duration,
    /// Addresses we listen on: never forwarded to.
    own: RwLock<HashSet<SocketAddr>>,
    in_flight: Arc<Semaphore>,
    /// Rotates multi-address answers (round robin for dnsrr and `tasks.`).
    turn: AtomicUsize,
}

/// One address served over UDP and TCP; dropping it stops both.
struct Listener {
    addr: SocketAddr,
    tasks: [JoinHandle<()>; 2],
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.tasks.iter().for_each(JoinHandle::abort);
    }
}

#[derive(Clone, Copy)]
enum Transport {
    Udp,
    Tcp,
}

fn dns_err(what: impl std::fmt::Display) -> NetError {
    NetError::Dns(what.to_string())
}

impl Resolver {
    /// Listens on `addrs` (UDP and TCP each) and forwards to `upstreams` (see
    /// [`upstream::host_upstreams`]) with [`UPSTREAM_TIMEOUT`]. Must be called within a
    /// Tokio runtime; the table is empty until the first [`Resolver::update`].
    pub fn bind(addrs: &[SocketAddr], upstreams: Vec<SocketAddr>) -> Result<Self, NetError> {
        Self::bind_with_timeout(addrs, upstreams, UPSTREAM_TIMEOUT)
    }

    /// [`Resolver::bind`] with another wait per upstream resolver.
    pub fn bind_with_timeout(
        addrs: &[SocketAddr],
        upstreams: Vec<SocketAddr>,
        timeout: Duration,
    ) -> Result<Self, NetError> {
        let resolver = Self {
            shared: Arc::new(Shared {
                table: RwLock::default(),
                upstreams,
                timeout,
                own: RwLock::default(),
                in_flight: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
                turn: AtomicUsize::new(0),
            }),
            listeners: Mutex::default(),
        };
        for addr in addrs {
            resolver.add_listener(*addr)?;
        }
        Ok(resolver)
    }

    /// Replaces the names with those of `view`; questions received from now on see them.
    pub fn update(&self, view: &NetView) {
        let table = Arc::new(Table::from_view(view));
        *self
            .shared
            .table
            .write()
            .unwrap_or_else(PoisonError::into_inner) = table;
    }

    /// Starts answering on `addr` (UDP and TCP) and returns the address bound (port 0 picks
    /// one, the same for both). Adding an address already served does nothing.
    pub fn add_listener(&self, addr: SocketAddr) -> Result<SocketAddr, NetError> {
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| dns_err("the resolver needs a Tokio runtime"))?;
        let mut listeners = self
            .listeners
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if listeners.iter().any(|l| l.addr == addr) {
            return Ok(addr);
        }
        let bind_err =
            |proto: &str, e: std::io::Error| dns_err(format!("bind {addr}/{proto}: {e}"));
        let udp = std::net::UdpSocket::bind(addr).map_err(|e| bind_err("udp", e))?;
        udp.set_nonblocking(true).map_err(dns_err)?;
        let local = udp.local_addr().map_err(dns_err)?;
        let tcp = std::net::TcpListener::bind(local).map_err(|e| bind_err("tcp", e))?;
        tcp.set_nonblocking(true).map_err(dns_err)?;
        let _entered = runtime.enter();
        let udp = UdpSocket::from_std(udp).map_err(dns_err)?;
        let tcp = TcpListener::from_std(tcp).map_err(dns_err)?;
        let tasks = [
            runtime.spawn(serve_udp(Arc::new(udp), self.shared.clone())),
            runtime.spawn(serve_tcp(tcp, self.shared.clone())),
        ];
        self.shared
            .own
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(local);
        listeners.push(Listener { addr: local, tasks });
        tracing::debug!(%local, "dns: listening");
        Ok(local)
    }

    /// Stops answering on `addr` (as returned by [`Resolver::add_listener`]); whether it was
    /// served. When it returns, the address is free to bind again; questions still waiting
    /// for an upstream on that address go unanswered.
    pub async fn remove_listener(&self, addr: SocketAddr) -> bool {
        let mut removed: Vec<Listener> = {
            let mut listeners = self
                .listeners
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let (gone, kept) = std::mem::take(&mut *listeners)
                .into_iter()
                .partition(|l| l.addr == addr);
            *listeners = kept;
            gone
        };
        self.shared
            .own
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&addr);
        for task in removed.iter_mut().flat_map(|l| l.tasks.iter_mut()) {
            task.abort();
            let _ = task.await; // the task, and with it the socket, is gone
        }
        !removed.is_empty()
    }

    /// The addresses served now.
    pub fn listeners(&self) -> Vec<SocketAddr> {
        let listeners = self
            .listeners
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        listeners.iter().map(|l| l.addr).collect()
    }
}

async fn serve_udp(socket: Arc<UdpSocket>, shared: Arc<Shared>) {
    let mut buf = vec![0u8; 4096];
    loop {
        let (n, from) = match socket.recv_from(&mut buf).await {
            Ok(got) => got,
            Err(e) => {
                tracing::debug!("dns: udp receive: {e}");
                continue;
            }
        };
        let Ok(permit) = shared.in_flight.clone().try_acquire_owned() else {
            continue;
        };
        let query = buf[..n].to_vec();
        // Weak: a removed listener's socket closes at once, even with questions in flight.
        let (weak, shared) = (Arc::downgrade(&socket), shared.clone());
        tokio::spawn(async move {
            if let Some(reply) = handle(&shared, from.ip(), &query, Transport::Udp).await {
                if let Some(socket) = weak.upgrade() {
                    let _ = socket.send_to(&reply, from).await;
                }
            }
            drop(permit);
        });
    }
}

async fn serve_tcp(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let (stream, from) = match listener.accept().await {
            Ok(got) => got,
            Err(e) => {
                tracing::debug!("dns: tcp accept: {e}");
                continue;
            }
        };
        let Ok(permit) = shared.in_flight.clone().try_acquire_owned() else {
            continue;
        };
        tokio::spawn(serve_connection(stream, from.ip(), shared.clone(), permit));
    }
}

/// Answers length-prefixed questions on one connection until it closes or idles.
async fn serve_connection(
    mut stream: TcpStream,
    asker: IpAddr,
    shared: Arc<Shared>,
    _permit: OwnedSemaphorePermit,
) {
    loop {
        let Ok(Ok(query)) = tokio::time::timeout(TCP_IDLE, upstream::read_frame(&mut stream)).await
        else {
            return;
        };
        let Some(reply) = handle(&shared, asker, &query, Transport::Tcp).await else {
            return;
        };
        if upstream::write_frame(&mut stream, &reply).await.is_err() {
            return;
        }
    }
}

/// The reply to one question (raw bytes in, raw bytes out); `None` to stay silent.
async fn handle(
    shared: &Shared,
    asker: IpAddr,
    query: &[u8],
    transport: Transport,
) -> Option<Vec<u8>> {
    let Ok(req) = Message::from_vec(query) else {
        // Unreadable: FORMERR if there is at least a header to answer.
        let id = u16::from_be_bytes([*query.first()?, *query.get(1)?]);
        return (query.len() >= 12)
            .then(|| Message::error_msg(id, OpCode::Query, ResponseCode::FormErr).to_vec())
            .and_then(Result::ok);
    };
    if req.metadata.message_type != MessageType::Query {
        return None;
    }
    if req.metadata.op_code != OpCode::Query {
        return reply(&req, ResponseCode::NotImp, Vec::new(), transport);
    }
    let [question] = req.queries.as_slice() else {
        return reply(&req, ResponseCode::FormErr, Vec::new(), transport);
    };
    let local = match asker {
        IpAddr::V4(asker) if question.query_class() == DNSClass::IN => {
            let table = shared
                .table
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            names::answer(&table, asker, &question.name().to_ascii())
        }
        _ => Answer::Forward,
    };
    match local {
        Answer::Forward => match forward(shared, query, transport).await {
            Some(relayed) => Some(relayed),
            None => reply(&req, ResponseCode::ServFail, Vec::new(), transport),
        },
        Answer::Records(ips) if ips.is_empty() => {
            reply(&req, ResponseCode::NXDomain, Vec::new(), transport)
        }
        Answer::Records(mut ips) => {
            let records = if question.query_type() == RecordType::A {
                let turn = shared.turn.fetch_add(1, Ordering::Relaxed);
                let n = ips.len();
                ips.rotate_left(turn % n);
                ips.into_iter()
                    .map(|ip| {
                        Record::from_rdata(question.name().clone(), SWARM_TTL, RData::A(A(ip)))
                    })
                    .collect()
            } else {
                Vec::new() // AAAA and the rest: the name exists, with no such record
            };
            reply(&req, ResponseCode::NoError, records, transport)
        }
    }
}

/// Our own answer to `req`; over UDP, one that does not fit the asker's buffer is sent
/// empty with TC set, so that the asker retries over TCP.
fn reply(
    req: &Message,
    code: ResponseCode,
    answers: Vec<Record>,
    transport: Transport,
) -> Option<Vec<u8>> {
    let mut msg = Message::response(req.metadata.id, req.metadata.op_code);
    msg.metadata = Metadata::response_from_request(&req.metadata);
    msg.metadata.authoritative = code != ResponseCode::ServFail;
    msg.metadata.recursion_available = true;
    msg.metadata.response_code = code;
    msg.add_queries(req.queries.iter().cloned());
    msg.add_answers(answers);
    if req.edns.is_some() {
        let mut edns = Edns::new();
        edns.set_max_payload(EDNS_PAYLOAD);
        msg.set_edns(edns);
    }
    let bytes = msg.to_vec().ok()?;
    match transport {
        Transport::Udp if bytes.len() > usize::from(req.max_payload()) => {
            msg.answers.clear();
            msg.metadata.truncation = true;
            msg.to_vec().ok()
        }
        _ => Some(bytes),
    }
}

/// Relays `query` to the upstream resolvers in turn (never to one of our own listeners)
/// until one answers.
async fn forward(shared: &Shared, query: &[u8], transport: Transport) -> Option<Vec<u8>> {
    let candidates: Vec<SocketAddr> = {
        let own = shared.own.read().unwrap_or_else(PoisonError::into_inner);
        shared
            .upstreams
            .iter()
            .filter(|u| !own.contains(u))
            .copied()
            .collect()
    };
    for upstream in candidates {
        let relayed = match transport {
            Transport::Udp => upstream::udp(query, upstream, shared.timeout).await,
            Transport::Tcp => upstream::tcp(query, upstream, shared.timeout).await,
        };
        if relayed.is_some() {
            return relayed;
        }
    }
    None
}
