//! The node's DNS resolver over real sockets on loopback: the asker is 127.0.0.1, so the
//! views put it on a network with subnet 127.0.0.0/8; fake upstream resolvers are local
//! UDP sockets.

use hickory_proto::op::{Message, Query, ResponseCode};
use hickory_proto::rr::rdata::A;
use hickory_proto::rr::{Name, RData, Record, RecordType};
use shoal_api::{EndpointVirtualIp, NetView, ViewNetwork, ViewService, ViewTask};
use shoal_net::dns::{Resolver, SWARM_TTL};
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::mpsc;

const LOCAL: &str = "127.0.0.1:0";
const BOUND: Duration = Duration::from_secs(5);

fn at(net: &str, addr: &str) -> EndpointVirtualIp {
    EndpointVirtualIp {
        network_id: net.into(),
        addr: addr.into(),
    }
}

fn service(
    name: &str,
    mode: &str,
    vip: Option<(&str, &str)>,
    tasks: &[(&str, &str)],
) -> ViewService {
    ViewService {
        id: format!("{name}-id"),
        name: name.into(),
        endpoint_mode: mode.into(),
        virtual_ips: vip.into_iter().map(|(n, a)| at(n, a)).collect(),
        tasks: tasks
            .iter()
            .enumerate()
            .map(|(i, (net, addr))| ViewTask {
                id: format!("t{name}{i}"),
                name: format!("{name}.{}.t{name}{i}", i + 1),
                node_id: "n1".into(),
                addresses: vec![at(net, addr)],
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

/// `lo` (127.0.0.0/8, the asker's): `web` (vip), `s_db` (dnsrr); `far` (10.9.0.0/24):
/// `hidden` (vip).
fn view() -> NetView {
    let network = |id: &str, subnet: &str| ViewNetwork {
        id: id.into(),
        name: id.into(),
        subnet: subnet.into(),
        gateway: subnet.replace(".0/", ".1/"),
        ..Default::default()
    };
    NetView {
        data_path_port: 4789,
        networks: vec![network("lo", "127.0.0.0/8"), network("far", "10.9.0.0/24")],
        services: vec![
            service(
                "web",
                "vip",
                Some(("lo", "127.0.1.2/8")),
                &[("lo", "127.0.1.5/8"), ("lo", "127.0.1.6/8")],
            ),
            service(
                "s_db",
                "dnsrr",
                None,
                &[("lo", "127.0.2.5/8"), ("lo", "127.0.2.6/8")],
            ),
            service(
                "hidden",
                "vip",
                Some(("far", "10.9.0.2/24")),
                &[("far", "10.9.0.5/24")],
            ),
        ],
    }
}

fn query(name: &str, qtype: RecordType) -> Message {
    let mut msg = Message::query();
    msg.metadata.recursion_desired = true;
    msg.add_query(Query::query(Name::from_ascii(name).unwrap(), qtype));
    msg
}

/// One question over UDP from 127.0.0.1; an error if refused or unanswered within BOUND.
async fn ask(server: SocketAddr, name: &str, qtype: RecordType) -> io::Result<Message> {
    let q = query(name, qtype);
    let socket = UdpSocket::bind(LOCAL).await?;
    socket.connect(server).await?;
    socket.send(&q.to_vec().unwrap()).await?;
    let mut buf = vec![0u8; 65535];
    let n = tokio::time::timeout(BOUND, socket.recv(&mut buf))
        .await
        .map_err(|_| io::Error::other("no answer"))??;
    let reply = Message::from_vec(&buf[..n]).unwrap();
    assert_eq!(reply.metadata.id, q.metadata.id);
    Ok(reply)
}

/// One question over TCP.
async fn ask_tcp(server: SocketAddr, name: &str, qtype: RecordType) -> io::Result<Message> {
    let q = query(name, qtype).to_vec().unwrap();
    let exchange = async {
        let mut stream = TcpStream::connect(server).await?;
        let mut framed = (q.len() as u16).to_be_bytes().to_vec();
        framed.extend_from_slice(&q);
        stream.write_all(&framed).await?;
        let mut len = [0u8; 2];
        stream.read_exact(&mut len).await?;
        let mut reply = vec![0u8; usize::from(u16::from_be_bytes(len))];
        stream.read_exact(&mut reply).await?;
        Ok::<_, io::Error>(Message::from_vec(&reply).unwrap())
    };
    tokio::time::timeout(BOUND, exchange)
        .await
        .map_err(|_| io::Error::other("no answer"))?
}

/// The A records of an answer, sorted.
fn addrs(reply: &Message) -> Vec<Ipv4Addr> {
    let mut ips: Vec<Ipv4Addr> = reply
        .answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::A(a) => Some(a.0),
            _ => None,
        })
        .collect();
    ips.sort();
    ips
}

fn ips(list: &[&str]) -> Vec<Ipv4Addr> {
    list.iter().map(|s| s.parse().unwrap()).collect()
}

/// The fake upstream's answer to `query`: 192.0.2.7, TTL 30.
fn fake_answer(query: &[u8], asked: &mpsc::UnboundedSender<String>) -> Vec<u8> {
    let q = Message::from_vec(query).unwrap();
    let name = q.queries[0].name().clone();
    let _ = asked.send(name.to_ascii());
    let mut r = Message::response(q.metadata.id, q.metadata.op_code);
    r.add_query(q.queries[0].clone());
    r.add_answer(Record::from_rdata(name, 30, RData::A(A::new(192, 0, 2, 7))));
    r.to_vec().unwrap()
}

/// A fake upstream resolver (UDP and TCP on one port) answering every question with
/// 192.0.2.7; it reports each name asked.
async fn fake_upstream() -> (SocketAddr, mpsc::UnboundedReceiver<String>) {
    let socket = UdpSocket::bind(LOCAL).await.unwrap();
    let addr = socket.local_addr().unwrap();
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let (asked, rx) = mpsc::unbounded_channel();
    let asked_tcp = asked.clone();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        loop {
            let (n, from) = socket.recv_from(&mut buf).await.unwrap();
            let reply = fake_answer(&buf[..n], &asked);
            socket.send_to(&reply, from).await.unwrap();
        }
    });
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut len = [0u8; 2];
            stream.read_exact(&mut len).await.unwrap();
            let mut query = vec![0u8; usize::from(u16::from_be_bytes(len))];
            stream.read_exact(&mut query).await.unwrap();
            let reply = fake_answer(&query, &asked_tcp);
            let mut framed = (reply.len() as u16).to_be_bytes().to_vec();
            framed.extend_from_slice(&reply);
            stream.write_all(&framed).await.unwrap();
        }
    });
    (addr, rx)
}

/// An upstream that never answers; keep the socket alive for as long as it is used.
async fn silent_upstream() -> UdpSocket {
    UdpSocket::bind(LOCAL).await.unwrap()
}

fn resolver(upstreams: Vec<SocketAddr>) -> (Resolver, SocketAddr) {
    let resolver = Resolver::bind_with_timeout(
        &[LOCAL.parse().unwrap()],
        upstreams,
        Duration::from_millis(300),
    )
    .unwrap();
    resolver.update(&view());
    let addr = resolver.listeners()[0];
    (resolver, addr)
}

#[tokio::test]
async fn swarm_names_answer_from_the_view() {
    let (_r, dns) = resolver(Vec::new());
    let web = ask(dns, "web", RecordType::A).await.unwrap();
    assert_eq!(addrs(&web), ips(&["127.0.1.2"]));
    assert_eq!(web.answers[0].ttl, SWARM_TTL);
    assert!(web.metadata.recursion_available);
    assert_eq!(
        addrs(&ask(dns, "WEB.", RecordType::A).await.unwrap()),
        ips(&["127.0.1.2"])
    );
    // dnsrr: the tasks, under the full and the stack's short name.
    for name in ["s_db", "db"] {
        let db = ask(dns, name, RecordType::A).await.unwrap();
        assert_eq!(addrs(&db), ips(&["127.0.2.5", "127.0.2.6"]), "{name}");
    }
    let tasks = ask(dns, "tasks.web", RecordType::A).await.unwrap();
    assert_eq!(addrs(&tasks), ips(&["127.0.1.5", "127.0.1.6"]));
    let task = ask(dns, "web.2.tweb1", RecordType::A).await.unwrap();
    assert_eq!(addrs(&task), ips(&["127.0.1.6"]));
    // A swarm name has no IPv6 address: empty NOERROR, not forwarded.
    let aaaa = ask(dns, "web", RecordType::AAAA).await.unwrap();
    assert_eq!(aaaa.metadata.response_code, ResponseCode::NoError);
    assert!(aaaa.answers.is_empty());
}

#[tokio::test]
async fn an_update_is_seen_by_the_next_question() {
    let (r, dns) = resolver(Vec::new());
    let mut v = view();
    v.services[0].virtual_ips = vec![at("lo", "127.0.1.3/8")];
    v.services[0].tasks.clear();
    r.update(&v);
    assert_eq!(
        addrs(&ask(dns, "web", RecordType::A).await.unwrap()),
        ips(&["127.0.1.3"])
    );
    let none = ask(dns, "tasks.web", RecordType::A).await.unwrap();
    assert_eq!(none.metadata.response_code, ResponseCode::NXDomain);
}

#[tokio::test]
async fn other_names_are_relayed_from_upstream() {
    let (upstream, mut asked) = fake_upstream().await;
    let (_r, dns) = resolver(vec![upstream]);
    // A service on a network the asker is not on is not visible: forwarded.
    let hidden = ask(dns, "hidden", RecordType::A).await.unwrap();
    assert_eq!(addrs(&hidden), ips(&["192.0.2.7"]));
    assert_eq!(hidden.answers[0].ttl, 30);
    assert_eq!(asked.recv().await.unwrap(), "hidden.");
    let world = ask(dns, "example.com.", RecordType::A).await.unwrap();
    assert_eq!(addrs(&world), ips(&["192.0.2.7"]));
    assert_eq!(asked.recv().await.unwrap(), "example.com.");
    // Over TCP, relayed over TCP.
    let tcp = ask_tcp(dns, "example.org", RecordType::A).await.unwrap();
    assert_eq!(addrs(&tcp), ips(&["192.0.2.7"]));
    assert_eq!(asked.recv().await.unwrap(), "example.org.");
}

#[tokio::test]
async fn a_silent_upstream_gives_servfail_and_the_next_one_is_tried() {
    let silent = silent_upstream().await;
    let (_r, dns) = resolver(vec![silent.local_addr().unwrap()]);
    let started = Instant::now();
    let reply = ask(dns, "example.com", RecordType::A).await.unwrap();
    assert_eq!(reply.metadata.response_code, ResponseCode::ServFail);
    assert!(started.elapsed() < Duration::from_secs(2));

    let (upstream, _asked) = fake_upstream().await;
    let (_r, dns) = resolver(vec![silent.local_addr().unwrap(), upstream]);
    let reply = ask(dns, "example.com", RecordType::A).await.unwrap();
    assert_eq!(addrs(&reply), ips(&["192.0.2.7"]));
}

#[tokio::test]
async fn the_resolver_never_forwards_to_itself() {
    let free = std::net::UdpSocket::bind(LOCAL)
        .unwrap()
        .local_addr()
        .unwrap();
    let r = Resolver::bind(&[], vec![free]).unwrap();
    assert_eq!(r.add_listener(free).unwrap(), free);
    let reply = ask(free, "example.com", RecordType::A).await.unwrap();
    assert_eq!(reply.metadata.response_code, ResponseCode::ServFail);
}

#[tokio::test]
async fn large_answers_truncate_over_udp_and_come_whole_over_tcp() {
    let (r, dns) = resolver(Vec::new());
    let tasks: Vec<(String, String)> = (1..=100)
        .map(|i| ("lo".to_string(), format!("127.0.3.{i}/8")))
        .collect();
    let tasks: Vec<(&str, &str)> = tasks
        .iter()
        .map(|(n, a)| (n.as_str(), a.as_str()))
        .collect();
    let mut v = view();
    v.services.push(service("big", "dnsrr", None, &tasks));
    r.update(&v);
    let udp = ask(dns, "big", RecordType::A).await.unwrap();
    assert!(udp.metadata.truncation);
    assert!(udp.answers.is_empty());
    let tcp = ask_tcp(dns, "big", RecordType::A).await.unwrap();
    assert!(!tcp.metadata.truncation);
    assert_eq!(addrs(&tcp).len(), 100);
    assert_eq!(
        addrs(&ask_tcp(dns, "web", RecordType::A).await.unwrap()),
        ips(&["127.0.1.2"])
    );
}

#[tokio::test]
async fn listeners_come_and_go() {
    let (r, first) = resolver(Vec::new());
    let second = r.add_listener(LOCAL.parse().unwrap()).unwrap();
    assert_ne!(first, second);
    assert_eq!(
        r.add_listener(second).unwrap(),
        second,
        "adding twice does nothing"
    );
    assert_eq!(r.listeners(), vec![first, second]);
    assert_eq!(
        addrs(&ask(second, "web", RecordType::A).await.unwrap()),
        ips(&["127.0.1.2"])
    );
    assert!(r.remove_listener(second).await);
    assert!(!r.remove_listener(second).await);
    // The port is closed: loopback refuses at once.
    assert!(ask(second, "web", RecordType::A).await.is_err());
    assert!(ask(first, "web", RecordType::A).await.is_ok());
    // The address can be served again at once.
    assert_eq!(r.add_listener(second).unwrap(), second);
    assert!(ask(second, "web", RecordType::A).await.is_ok());
}
