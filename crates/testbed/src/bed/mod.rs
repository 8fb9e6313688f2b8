//! A multi-node test bed on one machine: N `shoal daemon`s, each in its own network
//! namespace with its own address, so node-to-node traffic crosses real (virtual) links that
//! a test can cut and heal.
//!
//! Layout of one test bed (`T` = `shoal-tb-<pid>-<counter>`):
//!
//! ```text
//!  netns T-hub:   br0 ── n1 ── n2 ── ...        (bridge and the bridge-side veth ends)
//!                        │     │
//!  netns T-m1:    lo, eth0 10.77.C.1/24         (daemon m1: ip netns exec T-m1 shoal daemon)
//!  netns T-m2:    lo, eth0 10.77.C.2/24         ...
//! ```
//!
//! The bridge lives in a namespace of its own rather than in the root namespace: with
//! `br_netfilter` loaded (Docker loads it) bridged frames go through the root namespace's
//! iptables `FORWARD` chain, whose policy Docker sets to `DROP`, so a root-namespace bridge
//! silently drops all node-to-node traffic. A fresh namespace has an empty, accepting
//! firewall; the host's network configuration is never touched, and deleting the namespaces
//! removes every link. Cutting a node = setting its bridge-side veth down (a silent
//! partition, like a pulled cable: no RST, no ICMP).
//!
//! Each daemon's API socket is in its data dir, so tests drive it from the root namespace
//! with the harness's helpers (`Node` derefs to [`Daemon`]). `ip netns exec` execs the daemon
//! in place, so the child pid is the daemon's (checked at start) and `kill -9` hits it;
//! PDEATHSIG kills it if the test thread dies; `Drop` kills every daemon, checks that no
//! process is left in the namespaces and deletes them, also when the test panics.
//!
//! Without network namespaces (not root, no `ip`, or `SHOAL_TESTBED_NETNS=0`) the nodes use
//! distinct loopback addresses 127.0.0.N on distinct ports; `cut`/`heal` are unavailable
//! there and tests needing them skip, or fail in CI
//! ([`skip_without_netns`](crate::prereq::skip_without_netns)).
//!
//! A node may have a Docker Engine of its own ([`engine`]): a `dockerd` in its namespace,
//! its daemon then runs with `--executor docker` against it, and cutting the node's link
//! cuts its containers' traffic too ([`TestBed::add_with_engine`],
//! [`TestBed::swarm_with_engines`]).
//!
//! Forming a swarm on a bed is in [`swarm`].

pub mod engine;
mod net;
pub mod swarm;

pub(crate) use net::netns_available;

use crate::daemon::{Daemon, Launch};
use crate::drive::shoal_bin;
use crate::notice::notice;
use crate::procs::{cmdline, copy_dir, count_processes, descendants};
use engine::Engine;
use net::{ip, ip_ok, netns_pids, PREFIX};
use std::ops::{Deref, Index};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// One node of a test bed: a daemon, its namespace and address.
pub struct Node {
    /// Its own Docker Engine, if it has one (declared first: dropped, hence stopped, before
    /// the daemon's directory goes).
    engine: Option<Engine>,
    pub daemon: Daemon,
    /// 1-based position in the bed; the last byte of its address.
    pub index: usize,
    /// Its network namespace (None on the loopback fallback).
    pub ns: Option<String>,
    pub ip: String,
    pub port: u16,
    /// The bridge-side end of its veth pair, in the hub namespace.
    link: String,
}

impl Deref for Node {
    type Target = Daemon;
    fn deref(&self) -> &Daemon {
        &self.daemon
    }
}

impl Node {
    /// Its own Docker Engine ([`TestBed::add_with_engine`]).
    pub fn engine(&self) -> Option<&Engine> {
        self.engine.as_ref()
    }

    /// The node's RPC address, `ip:port`.
    pub fn addr(&self) -> String {
        format!("{}:{}", self.ip, self.port)
    }

    fn spawn(&mut self) {
        if let Err(e) = self.daemon.try_restart() {
            panic!("starting {}: {e:#}", self.daemon.hostname);
        }
    }
}

/// N daemons, one per network namespace, on one bridge.
pub struct TestBed {
    /// `shoal-tb-<pid>-<counter>`: the prefix of this bed's namespace names.
    pub tag: String,
    netns: bool,
    hub: String,
    subnet: String,
    nodes: Vec<Node>,
}

impl Default for TestBed {
    fn default() -> Self {
        Self::new()
    }
}

impl TestBed {
    /// An empty bed: the hub namespace and its bridge (when namespaces are available).
    pub fn new() -> TestBed {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let tag = format!("{PREFIX}{}-{n}", std::process::id());
        let netns = netns_available();
        let hub = format!("{tag}-hub");
        let bed = TestBed {
            subnet: format!("10.77.{}", n % 256),
            tag,
            netns,
            hub,
            nodes: Vec::new(),
        };
        if netns {
            ip_ok(&["netns", "add", &bed.hub]);
            ip_ok(&["-n", &bed.hub, "link", "add", "br0", "type", "bridge"]);
            ip_ok(&["-n", &bed.hub, "link", "set", "br0", "up"]);
        }
        bed
    }

    /// Whether the nodes are in network namespaces (else: the loopback fallback).
    pub fn netns(&self) -> bool {
        self.netns
    }

    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter()
    }

    fn pos(&self, hostname: &str) -> usize {
        self.nodes
            .iter()
            .position(|n| n.hostname == hostname)
            .unwrap_or_else(|| panic!("no node {hostname} in the test bed"))
    }

    /// Adds a node with its own namespace and address and starts its daemon (not in a swarm).
    pub fn add(&mut self, hostname: &str) -> &Node {
        self.add_node(hostname, false)
    }

    /// Adds a node like [`add`](Self::add) with a Docker Engine of its own in its namespace
    /// (the test image loaded into it); its daemon runs with `--executor docker` against
    /// that engine. Needs network namespaces
    /// ([`skip_without_engines`](crate::prereq::skip_without_engines)).
    pub fn add_with_engine(&mut self, hostname: &str) -> &Node {
        assert!(
            self.netns,
            "a node's own engine needs network namespaces (see prereq::skip_without_engines)"
        );
        self.add_node(hostname, true)
    }

    fn add_node(&mut self, hostname: &str, with_engine: bool) -> &Node {
        assert!(
            !self.nodes.iter().any(|n| n.hostname == hostname),
            "{hostname} twice"
        );
        let index = self.nodes.len() + 1;
        assert!(index < 250, "too many nodes");
        let (ns, ip_addr, port) = if self.netns {
            let ns = format!("{}-{hostname}", self.tag);
            (Some(ns), format!("{}.{index}", self.subnet), 2377)
        } else {
            let addr = format!("127.0.0.{}", index + 1);
            let port = std::net::TcpListener::bind((addr.as_str(), 0))
                .and_then(|l| l.local_addr())
                .map(|a| a.port())
                .expect("free port");
            (None, addr, port)
        };
        let mut launch = Launch::new(shoal_bin()).hostname(hostname);
        let engine = if with_engine {
            let e = Engine::prepare(&format!("{PREFIX}{hostname}-engine-"))
                .unwrap_or_else(|e| panic!("{hostname}: {e:#}"));
            launch = launch
                .executor("docker")
                .args(&["--docker-host".to_string(), e.host()]);
            Some(e)
        } else {
            None
        };
        launch.netns = ns.clone();
        launch.dir_prefix = format!("{PREFIX}{hostname}-");
        // The bed kills its daemons and prints their logs itself.
        launch.leave_on_drop = false;
        launch.log_on_panic = false;
        let daemon = launch
            .prepare()
            .unwrap_or_else(|e| panic!("{hostname}: {e:#}"));
        // Registered first, so that Drop cleans up whatever step below fails.
        self.nodes.push(Node {
            engine,
            daemon,
            index,
            ns: ns.clone(),
            ip: ip_addr.clone(),
            port,
            link: format!("n{index}"),
        });
        if let Some(ns) = &ns {
            let link = format!("n{index}");
            ip_ok(&["netns", "add", ns]);
            // Both ends are created directly in their namespaces: nothing in the root one.
            ip_ok(&[
                "link", "add", "name", &link, "netns", &self.hub, "type", "veth", "peer", "name",
                "eth0", "netns", ns,
            ]);
            ip_ok(&["-n", &self.hub, "link", "set", &link, "master", "br0"]);
            ip_ok(&["-n", &self.hub, "link", "set", &link, "up"]);
            ip_ok(&["-n", ns, "link", "set", "lo", "up"]);
            let cidr = format!("{ip_addr}/24");
            ip_ok(&["-n", ns, "addr", "add", &cidr, "dev", "eth0"]);
            ip_ok(&["-n", ns, "link", "set", "eth0", "up"]);
        }
        let last = self.nodes.len() - 1;
        if let (Some(e), Some(ns)) = (&mut self.nodes[last].engine, &ns) {
            if let Err(err) = e.start(ns) {
                panic!("{hostname}'s engine: {err:#}");
            }
        }
        self.nodes[last].spawn();
        &self.nodes[last]
    }

    /// `kill -9` of a node's daemon (its tasks die with it, through PDEATHSIG).
    pub fn kill(&mut self, hostname: &str) {
        let i = self.pos(hostname);
        self.nodes[i].daemon.kill();
    }

    /// Starts a killed node again on the same data dir, namespace and address.
    pub fn restart(&mut self, hostname: &str) {
        let i = self.pos(hostname);
        self.nodes[i].spawn();
    }

    /// SIGTERM to a node's daemon, waiting until it exits: a clean stop. Its exit status.
    pub fn terminate(&mut self, hostname: &str) -> std::process::ExitStatus {
        let i = self.pos(hostname);
        self.nodes[i].daemon.terminate()
    }

    /// `kill -9` of every running daemon of the bed.
    pub fn kill_all(&mut self) {
        for n in &mut self.nodes {
            n.daemon.kill();
        }
    }

    /// Starts every stopped node again on its data dir, namespace and address, in the
    /// order they were added; nothing is typed to any of them.
    pub fn restart_all(&mut self) {
        for n in &mut self.nodes {
            if !n.is_running() {
                n.spawn();
            }
        }
    }

    /// The data dir of a node that is not running (to copy, replace or wipe it).
    fn stopped_data_dir(&self, hostname: &str) -> PathBuf {
        let n = &self[hostname];
        assert!(!n.is_running(), "{hostname} is running: stop it first");
        n.data_dir()
    }

    /// Copies a stopped node's data dir to `to` (which must not exist yet): a backup.
    pub fn copy_data_dir(&self, hostname: &str, to: &Path) {
        copy_dir(&self.stopped_data_dir(hostname), to);
    }

    /// Replaces a stopped node's data dir with a copy of `from` (a backup restored).
    pub fn restore_data_dir(&self, hostname: &str, from: &Path) {
        let dir = self.stopped_data_dir(hostname);
        std::fs::remove_dir_all(&dir).expect("removing the data dir");
        copy_dir(from, &dir);
    }

    /// Deletes a stopped node's data dir: everything it knew is gone.
    pub fn wipe_data_dir(&self, hostname: &str) {
        let dir = self.stopped_data_dir(hostname);
        std::fs::remove_dir_all(&dir).expect("removing the data dir");
    }

    /// Cuts a node off the bridge (its bridge-side veth down): a silent partition.
    pub fn cut(&self, hostname: &str) {
        self.set_link(hostname, "down");
    }

    /// Reconnects a node cut with [`cut`](Self::cut).
    pub fn heal(&self, hostname: &str) {
        self.set_link(hostname, "up");
    }

    fn set_link(&self, hostname: &str, state: &str) {
        assert!(self.netns, "cutting links needs network namespaces");
        let n = &self.nodes[self.pos(hostname)];
        ip_ok(&["-n", &self.hub, "link", "set", &n.link, state]);
    }

    /// Live processes of this bed's nodes whose command line is exactly `args`: those in its
    /// namespaces (on the loopback fallback: on the whole machine).
    pub fn count_processes(&self, args: &[&str]) -> usize {
        if !self.netns {
            return count_processes(args);
        }
        let want = args.join(" ");
        self.nodes
            .iter()
            .filter_map(|n| n.ns.as_deref())
            .flat_map(netns_pids)
            .filter(|&pid| cmdline(pid) == want)
            .count()
    }

    /// Live processes of one node whose command line is exactly `args`: those in its
    /// namespace (on the loopback fallback: the descendants of its daemon).
    pub fn count_processes_on(&self, hostname: &str, args: &[&str]) -> usize {
        let n = &self[hostname];
        let want = args.join(" ");
        let pids: Vec<i32> = match &n.ns {
            Some(ns) => netns_pids(ns),
            None => match n.pid() {
                Some(daemon) => descendants(daemon),
                None => Vec::new(),
            },
        };
        pids.into_iter().filter(|&pid| cmdline(pid) == want).count()
    }

    fn dump_logs(&self) {
        for n in &self.nodes {
            eprintln!(
                "({}, {})\n{}",
                n.addr(),
                n.ns.as_deref().unwrap_or("root netns"),
                n.log_tail(60)
            );
            if let Some(e) = &n.engine {
                eprintln!("{}", e.log_tail(30));
            }
        }
    }
}

impl Index<&str> for TestBed {
    type Output = Node;
    fn index(&self, hostname: &str) -> &Node {
        &self.nodes[self.pos(hostname)]
    }
}

impl Drop for TestBed {
    fn drop(&mut self) {
        let panicking = std::thread::panicking();
        if panicking {
            self.dump_logs();
        }
        self.kill_all();
        // Engines next: their processes are no leak.
        for n in &mut self.nodes {
            if let Some(e) = &mut n.engine {
                e.stop();
            }
        }
        if !self.netns {
            return;
        }
        // The daemons' tasks die with them (PDEATHSIG); anything still in a namespace
        // after a grace period is a leak: killed here, and the test fails.
        let mut leaked = Vec::new();
        for n in &self.nodes {
            let Some(ns) = &n.ns else { continue };
            let deadline = Instant::now() + Duration::from_secs(5);
            let mut pids = netns_pids(ns);
            while !pids.is_empty() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
                pids = netns_pids(ns);
            }
            for pid in pids {
                leaked.push(format!("{} pid {pid}: {}", n.hostname, cmdline(pid)));
                // SAFETY: a process in this bed's own namespace, started by its daemon.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
            if let Err(e) = ip(&["netns", "del", ns]) {
                notice(&format!("testbed cleanup: {e}"));
            }
        }
        // Deleting the hub removes the bridge and the bridge-side veth ends.
        if let Err(e) = ip(&["netns", "del", &self.hub]) {
            notice(&format!("testbed cleanup: {e}"));
        }
        if !leaked.is_empty() && !panicking {
            panic!(
                "processes left behind after their daemons were killed:\n{}",
                leaked.join("\n")
            );
        }
    }
}
