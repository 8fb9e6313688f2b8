//! A single-node `shoal daemon` for the bench, started with the shared harness
//! (`shoal-testbed`): its own temporary data dir and unix socket, stderr kept in a log file,
//! `POST /swarm/init` done. Dropping it leaves the swarm (which removes docker-executor
//! containers), stops the daemon (SIGTERM, then SIGKILL) and deletes the temporary directory.

use anyhow::{Context, Result};
use shoal_testbed::{Daemon, Launch};
use std::path::Path;

/// Starts `shoal daemon --executor <executor>` and initialises a one-node swarm.
pub fn start(bin: &Path, executor: &str) -> Result<Daemon> {
    let mut launch = Launch::new(bin).executor(executor).hostname("benchnode");
    launch.dir_prefix = "shoal-bench-".into();
    // If the bench dies without running its guards, the daemon gets SIGTERM and cleans up.
    launch.death_signal = libc::SIGTERM;
    launch.log_on_panic = false;
    let d = launch.start()?;
    d.api
        .post_json(
            "/swarm/init",
            &serde_json::json!({"ListenAddr": "127.0.0.1:2377", "AdvertiseAddr": "127.0.0.1"}),
        )
        .with_context(|| format!("swarm init on shoal\n{}", d.log_tail(40)))?;
    Ok(d)
}
