//! One `shoal daemon` of a bench cluster (process executor), started with the shared
//! harness (`shoal-testbed`) on its own data dir and unix socket under the cluster's temp
//! dir, with a fixed hostname and node address (`127.0.0.1:<free port>`). It derefs to the
//! harness's [`Daemon`]: kill -9, restart on the same data dir, SIGTERM and reap, logs. The
//! daemons log at `SHOAL_LOG=info,openraft=warn`, or at `$SHOAL_BENCH_LOG` when that is set.

use anyhow::{Context, Result};
use shoal_testbed::{Daemon, Launch};
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};

pub struct Node {
    /// The node address (raft and dispatcher RPC), `127.0.0.1:<port>`.
    pub addr: String,
    daemon: Daemon,
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(l.local_addr()?.port())
}

impl Node {
    /// Starts a daemon in `dir` (created) and waits until its API answers.
    pub fn start(bin: &Path, dir: PathBuf, hostname: &str) -> Result<Node> {
        let mut launch = Launch::new(bin).hostname(hostname);
        if let Ok(filter) = std::env::var("SHOAL_BENCH_LOG") {
            launch.log_filter = filter;
        }
        // A cluster is torn down as a whole (`Cluster`'s drop), without leaving it.
        launch.leave_on_drop = false;
        launch.log_on_panic = false;
        Ok(Node {
            addr: format!("127.0.0.1:{}", free_port()?),
            daemon: launch.start_in(dir)?,
        })
    }
}

impl Deref for Node {
    type Target = Daemon;
    fn deref(&self) -> &Daemon {
        &self.daemon
    }
}

impl DerefMut for Node {
    fn deref_mut(&mut self) -> &mut Daemon {
        &mut self.daemon
    }
}
