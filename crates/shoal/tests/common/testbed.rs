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
//! there and tests needing them skip with a notice ([`skip_without_netns`]).

use super::{wait_for, Daemon, SHOAL};
use std::ops::{Deref, Index};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const NETNS_DIR: &str = "/run/netns";
const PREFIX: &str = "shoal-tb-";

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Runs `ip ARGS`; Err(stderr) on failure.
fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("running ip {args:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {args:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

fn ip_ok(args: &[&str]) {
    if let Err(e) = ip(args) {
        panic!("{e}");
    }
}

/// Writes to the real stderr, past libtest's output capture, so a notice shows up in the
/// output of `cargo test` even for a passing test.
pub fn notice(msg: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{msg}");
}

/// Whether this machine can run test beds on network namespaces; probed once per process.
pub fn netns_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        if std::env::var("SHOAL_TESTBED_NETNS").is_ok_and(|v| v == "0") {
            notice("testbed: SHOAL_TESTBED_NETNS=0: nodes on loopback addresses");
            return false;
        }
        remove_stale_namespaces();
        let probe = format!("{PREFIX}{}-probe", std::process::id());
        let res = ip(&["netns", "add", &probe])
            .and_then(|_| ip(&["-n", &probe, "link", "add", "br0", "type", "bridge"]))
            .and_then(|_| {
                ip(&[
                    "-n", &probe, "link", "add", "name", "probe0", "type", "veth", "peer", "name",
                    "probe1",
                ])
            })
            .and_then(|_| ip(&["netns", "exec", &probe, "true"]));
        let _ = ip(&["netns", "del", &probe]);
        match res {
            Ok(()) => true,
            Err(e) => {
                notice(&format!(
                    "testbed: network namespaces unavailable ({e}): nodes on loopback \
                     addresses, link cut/heal tests skip"
                ));
                false
            }
        }
    })
}

/// Namespaces of earlier test runs whose process is gone (killed before `Drop` ran).
fn remove_stale_namespaces() {
    let Ok(dir) = std::fs::read_dir(NETNS_DIR) else {
        return;
    };
    for e in dir.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(PREFIX)
            .and_then(|r| r.split('-').next())
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = ip(&["netns", "del", &name]);
        }
    }
}

/// For tests that need to cut links: true, with a printed notice, when they must skip.
pub fn skip_without_netns(test: &str) -> bool {
    let skip = !netns_available();
    if skip {
        notice(&format!(
            "SKIPPED {test}: needs network namespaces to cut links (root and `ip netns`); \
             nothing was tested"
        ));
    }
    skip
}

/// Pids of the processes in a network namespace.
fn netns_pids(ns: &str) -> Vec<i32> {
    Command::new("ip")
        .args(["netns", "pids", ns])
        .stderr(Stdio::null())
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

fn cmdline(pid: i32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| {
            String::from_utf8_lossy(&b)
                .replace('\0', " ")
                .trim()
                .to_string()
        })
        .unwrap_or_default()
}

/// The parent of a process (None when it is gone).
fn parent(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid ...`; comm may hold spaces and parentheses.
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Every live process descending from `root`.
fn descendants(root: i32) -> Vec<i32> {
    let all: Vec<i32> = std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
                .collect()
        })
        .unwrap_or_default();
    all.into_iter()
        .filter(|&pid| {
            let mut p = pid;
            for _ in 0..64 {
                match parent(p) {
                    Some(pp) if pp == root => return true,
                    Some(pp) if pp > 1 => p = pp,
                    _ => return false,
                }
            }
            false
        })
        .collect()
}

/// `cp -a FROM TO`: a copy keeping modes (key files stay private).
fn copy_dir(from: &Path, to: &Path) {
    assert!(!to.exists(), "{} exists already", to.display());
    let ok = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .expect("cp")
        .success();
    assert!(ok, "copying {} to {}", from.display(), to.display());
}

/// Live processes on this machine whose command line is exactly `args` (zombies have none).
pub fn count_processes(args: &[&str]) -> usize {
    let want = args.join(" ");
    std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
                .filter(|&pid| cmdline(pid) == want)
                .count()
        })
        .unwrap_or(0)
}

/// One node of a test bed: a daemon, its namespace and address.
pub struct Node {
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
    /// The node's RPC address, `ip:port`.
    pub fn addr(&self) -> String {
        format!("{}:{}", self.ip, self.port)
    }

    pub fn is_running(&self) -> bool {
        self.daemon.child.is_some()
    }

    pub fn pid(&self) -> Option<u32> {
        self.daemon.child.as_ref().map(|c| c.id())
    }

    fn spawn(&mut self) {
        assert!(!self.is_running(), "{} is already running", self.hostname);
        let d = &mut self.daemon;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(d.dir.path().join("daemon.log"))
            .expect("log file");
        let mut cmd = match &self.ns {
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns, SHOAL]);
                c
            }
            None => Command::new(SHOAL),
        };
        // SAFETY: prctl in the forked child before exec; async-signal-safe. PDEATHSIG
        // survives the exec of `ip` and its exec of shoal (neither is set-uid).
        unsafe {
            use std::os::unix::process::CommandExt;
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = cmd
            .args(["daemon", "--data-dir"])
            .arg(d.data_dir())
            .args(["-H", &d.host(), "--executor", d.executor])
            .args(["--hostname", &d.hostname])
            .args(&d.extra)
            .env("SHOAL_LOG", "info,openraft=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn shoal daemon");
        let pid = child.id();
        d.child = Some(child);
        let sock = d.socket();
        let name = d.hostname.clone();
        wait_for(
            &format!("{name}'s API to answer"),
            Duration::from_secs(30),
            || super::ping(&sock),
        );
        // The pid we hold (and will kill -9) is the daemon itself, not a wrapper.
        let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
        assert!(
            exe.to_string_lossy().starts_with(SHOAL),
            "pid {pid} of {name} runs {exe:?}, not {SHOAL}"
        );
    }

    fn kill(&mut self) {
        self.daemon.kill();
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
        let dir = tempfile::Builder::new()
            .prefix(&format!("shoal-tb-{hostname}-"))
            .tempdir()
            .expect("tempdir");
        // Registered first, so that Drop cleans up whatever step below fails.
        self.nodes.push(Node {
            daemon: Daemon {
                dir,
                executor: "process",
                hostname: hostname.to_string(),
                extra: Vec::new(),
                child: None,
            },
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
            ip_ok(&[
                "-n",
                ns,
                "addr",
                "add",
                &format!("{ip_addr}/24"),
                "dev",
                "eth0",
            ]);
            ip_ok(&["-n", ns, "link", "set", "eth0", "up"]);
        }
        let last = self.nodes.len() - 1;
        self.nodes[last].spawn();
        &self.nodes[last]
    }

    /// `kill -9` of a node's daemon (its tasks die with it, through PDEATHSIG).
    pub fn kill(&mut self, hostname: &str) {
        let i = self.pos(hostname);
        self.nodes[i].kill();
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
            n.kill();
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
    fn stopped_data_dir(&self, hostname: &str) -> std::path::PathBuf {
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

    // ---- Forming a swarm ----

    /// `swarm init` on `hostname`, on its own address, with a 1 s dispatcher heartbeat.
    pub fn init(&self, hostname: &str) {
        let n = &self[hostname];
        let a = n.addr();
        n.shoal_ok(&[
            "swarm",
            "init",
            "--listen-addr",
            &a,
            "--advertise-addr",
            &a,
            "--dispatcher-heartbeat",
            "1s",
        ]);
    }

    /// `swarm join` of `hostname` through `via`'s address, with the manager or worker token.
    pub fn join(&self, hostname: &str, via: &str, manager: bool) {
        let role = if manager { "manager" } else { "worker" };
        let token = self[via].shoal_ok(&["swarm", "join-token", "-q", role]);
        let n = &self[hostname];
        let a = n.addr();
        let out = n.shoal_ok(&[
            "swarm",
            "join",
            "--token",
            token.trim(),
            "--listen-addr",
            &a,
            "--advertise-addr",
            &a,
            &self[via].addr(),
        ]);
        assert!(
            out.contains(&format!("This node joined a swarm as a {role}.")),
            "{out}"
        );
    }

    /// A bed with managers m1..mM (m1 inits, the others join through it) and workers
    /// w1..wW, all ready, every manager reachable.
    pub fn swarm(managers: usize, workers: usize) -> TestBed {
        let mut bed = TestBed::new();
        let ms: Vec<String> = (1..=managers).map(|i| format!("m{i}")).collect();
        let ws: Vec<String> = (1..=workers).map(|i| format!("w{i}")).collect();
        for h in ms.iter().chain(&ws) {
            bed.add(h);
        }
        bed.init("m1");
        for h in &ms[1..] {
            bed.join(h, "m1", true);
        }
        for h in &ws {
            bed.join(h, "m1", false);
        }
        bed.wait_formed("m1", managers + workers, Duration::from_secs(30));
        bed
    }

    /// Waits until `via` shows `n` nodes, all ready, every manager reachable.
    pub fn wait_formed(&self, via: &str, n: usize, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            let nodes = node_states(&self[via]);
            if nodes.len() == n
                && nodes.iter().all(|(_, state, reach, _)| {
                    state == "ready" && (reach.is_empty() || reach == "reachable")
                })
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {n} ready nodes, managers reachable, seen from {via}: \
                 last seen (hostname, state, reachability, leader): {nodes:?}\n{}",
                nodes_json(&self[via])
                    .iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
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
                Some(daemon) => descendants(daemon as i32),
                None => Vec::new(),
            },
        };
        pids.into_iter().filter(|&pid| cmdline(pid) == want).count()
    }

    /// The manager `via`'s `GET /nodes` (hence `node ls`) marks as leader.
    pub fn leader(&self, via: &str) -> Option<String> {
        nodes_json(&self[via])
            .into_iter()
            .find(|x| x["ManagerStatus"]["Leader"] == true)
            .and_then(|x| x["Description"]["Hostname"].as_str().map(str::to_string))
    }

    fn dump_logs(&self) {
        for n in &self.nodes {
            let log = n.log();
            let lines: Vec<&str> = log.lines().collect();
            let tail = &lines[lines.len().saturating_sub(60)..];
            eprintln!(
                "--- {} ({}, {}) daemon log, last {} lines ---\n{}",
                n.hostname,
                n.addr(),
                n.ns.as_deref().unwrap_or("root netns"),
                tail.len(),
                tail.join("\n")
            );
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
        for n in &mut self.nodes {
            n.kill();
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

/// `GET /nodes` on a node (empty when it does not answer 200).
pub fn nodes_json(n: &Daemon) -> Vec<serde_json::Value> {
    let (status, body) = n.http("GET", "/nodes", None);
    if status != 200 {
        return Vec::new();
    }
    serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
}

/// `GET /nodes` as (hostname, state, manager reachability or "", leader).
pub fn node_states(n: &Daemon) -> Vec<(String, String, String, bool)> {
    nodes_json(n)
        .iter()
        .map(|x| {
            (
                x["Description"]["Hostname"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                x["Status"]["State"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                x["ManagerStatus"]["Reachability"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                x["ManagerStatus"]["Leader"] == true,
            )
        })
        .collect()
}
