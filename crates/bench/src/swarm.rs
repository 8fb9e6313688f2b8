//! Docker Swarm on the local engine, for comparison. `DockerSwarm::join_or_init` runs
//! `POST /swarm/init` (as `docker swarm init --advertise-addr 127.0.0.1`) only when the
//! engine is not already in a swarm; dropping the guard leaves the swarm (`--force`) only if
//! the bench did the init. Services are removed by the targets' own guards.

use anyhow::{Context, Result};
use shoal_testbed::client::Api;

/// The engine's socket.
pub const ENGINE_SOCKET: &str = "/var/run/docker.sock";

pub struct DockerSwarm {
    pub api: Api,
    we_initialised: bool,
}

impl DockerSwarm {
    pub fn join_or_init(engine: &Api) -> Result<DockerSwarm> {
        let info = engine
            .get_json("/info")
            .context("GET /info on the Docker Engine")?;
        let state = info["Swarm"]["LocalNodeState"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let control = info["Swarm"]["ControlAvailable"].as_bool().unwrap_or(false);
        let mut we_initialised = false;
        match state.as_str() {
            "active" if control => {
                eprintln!("shoal-bench: the engine is already a swarm manager; using that swarm");
            }
            "active" => {
                anyhow::bail!("the engine is in a swarm but not a manager; cannot create services")
            }
            _ => {
                engine
                    .post_json(
                        "/swarm/init",
                        &serde_json::json!({"ListenAddr": "0.0.0.0:2377", "AdvertiseAddr": "127.0.0.1"}),
                    )
                    .context("docker swarm init --advertise-addr 127.0.0.1")?;
                we_initialised = true;
            }
        }
        Ok(DockerSwarm {
            api: engine.clone(),
            we_initialised,
        })
    }

    pub fn leave(&mut self) {
        if self.we_initialised {
            self.we_initialised = false;
            if let Err(e) = self.api.ok("POST", "/swarm/leave?force=1", None) {
                eprintln!("shoal-bench: docker swarm leave --force failed: {e:#}");
            }
        }
    }
}

impl Drop for DockerSwarm {
    fn drop(&mut self) {
        self.leave();
    }
}
