//! The engine floor: what N containers cost the Docker Engine with no orchestrator at all.
//! N clients at once each `POST /containers/create` then `POST /containers/{id}/start` (the
//! same image and command as the services); the figure is the time until every start has
//! returned. No orchestrator using this engine can converge faster than this.

use crate::target::{parallel, IMAGE};
use anyhow::{anyhow, Result};
use serde_json::json;
use shoal_testbed::client::{urlencode, Api};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Lets the engine finish tearing down before the next trial.
const SETTLE: Duration = Duration::from_millis(500);

const LABEL: &str = "shoalbench.floor";

/// Containers created by the floor runs; dropping it force-removes them.
struct Containers<'a> {
    engine: &'a Api,
    ids: Mutex<Vec<String>>,
}

impl Containers<'_> {
    fn remove_all(&self) -> Result<()> {
        let ids = std::mem::take(&mut *self.ids.lock().unwrap_or_else(|e| e.into_inner()));
        parallel(&ids, 4, |id| {
            self.engine
                .ok("DELETE", &format!("/containers/{id}?force=1"), None)
                .map(|_| ())
        })?;
        Ok(())
    }
}

impl Drop for Containers<'_> {
    fn drop(&mut self) {
        let _ = self.remove_all();
        // Anything a failed request left behind, by label.
        let filters = json!({"label": {format!("{LABEL}={}", std::process::id()): true}});
        if let Ok(v) = self.engine.get_json(&format!(
            "/containers/json?all=1&filters={}",
            urlencode(&filters.to_string())
        )) {
            for c in v.as_array().into_iter().flatten() {
                if let Some(id) = c["Id"].as_str() {
                    let _ =
                        self.engine
                            .request("DELETE", &format!("/containers/{id}?force=1"), None);
                }
            }
        }
    }
}

fn start_one(engine: &Api, set: &Containers) -> Result<()> {
    let body = json!({
        "Image": IMAGE,
        "Cmd": ["sleep", "100000"],
        "Labels": {LABEL: std::process::id().to_string()},
        "StopTimeout": 1,
    });
    let v = engine.post_json("/containers/create", &body)?;
    let id = v["Id"]
        .as_str()
        .ok_or_else(|| anyhow!("container create answered no Id: {v}"))?
        .to_string();
    set.ids
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(id.clone());
    engine.ok("POST", &format!("/containers/{id}/start"), None)?;
    Ok(())
}

/// One trial: N containers at once; the time until all have started.
pub fn once(engine: &Api, n: u64) -> Result<Duration> {
    let set = Containers {
        engine,
        ids: Mutex::new(Vec::new()),
    };
    let items: Vec<u64> = (0..n).collect();
    let t0 = Instant::now();
    parallel(&items, n as usize, |_| start_one(engine, &set))?;
    let took = t0.elapsed();
    set.remove_all()?;
    std::thread::sleep(SETTLE);
    Ok(took)
}
