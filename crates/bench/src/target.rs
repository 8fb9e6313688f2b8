//! One orchestrator under test, seen through the Engine API: shoal with the docker executor,
//! shoal with the process executor, or Docker Swarm. Creates the bench's services (named
//! `shoalbench-<pid>-<n>`, each running `sleep <unique number ≥ 100000>`), lists their running
//! tasks, kills a task's container or process, and removes services, waiting until their
//! containers or processes are gone. Dropping a target removes the services it still owns.

use crate::sys;
use anyhow::{anyhow, bail, Context, Result};
use serde_json::json;
use shoal_testbed::client::{urlencode, Api};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// The image of every service (the process executor ignores it).
pub use shoal_testbed::TEST_IMAGE as IMAGE;

/// How long removing a service may take before the bench gives up on it.
const GONE_LIMIT: Duration = Duration::from_secs(120);

/// Unique `sleep` arguments across the whole bench run.
static NEXT_ARG: AtomicU64 = AtomicU64::new(100_000);

/// What a task is on the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runs {
    Containers,
    Processes,
}

/// A service the bench created.
#[derive(Debug, Clone)]
pub struct Service {
    pub id: String,
    /// The unique argument of its `sleep`.
    pub arg: String,
}

/// A running task.
#[derive(Debug, Clone)]
pub struct Task {
    pub id: String,
    pub container_id: String,
}

pub struct Target {
    /// "shoal (docker)", "shoal (process)", "Docker Swarm".
    pub name: String,
    /// The orchestrator's API.
    pub api: Api,
    /// The Docker Engine (for containers).
    pub engine: Api,
    pub runs: Runs,
    prefix: String,
    seq: AtomicU64,
    owned: Mutex<BTreeSet<String>>,
}

impl Target {
    pub fn new(name: &str, api: Api, engine: Api, runs: Runs) -> Target {
        Target {
            name: name.to_string(),
            api,
            engine,
            runs,
            prefix: format!("shoalbench-{}-", std::process::id()),
            seq: AtomicU64::new(0),
            owned: Mutex::new(BTreeSet::new()),
        }
    }

    fn unique_arg(&self, replicas: u64) -> String {
        loop {
            let n = NEXT_ARG.fetch_add(1, Ordering::SeqCst);
            let arg = n.to_string();
            // A process executor task is found by its argument: skip numbers in use.
            if replicas == 0
                || self.runs == Runs::Containers
                || sys::find_by_args("sleep", &arg).is_empty()
            {
                return arg;
            }
        }
    }

    /// `POST /services/create`: `replicas` replicas of `sleep <unique>`.
    pub fn create(&self, replicas: u64) -> Result<Service> {
        let name = format!("{}{}", self.prefix, self.seq.fetch_add(1, Ordering::SeqCst));
        let arg = self.unique_arg(replicas);
        let spec = json!({
            "Name": name,
            "TaskTemplate": {
                "ContainerSpec": {
                    "Image": IMAGE,
                    "Command": ["sleep", arg],
                    // busybox sleep as PID 1 ignores SIGTERM: stop quickly on removal.
                    "StopGracePeriod": 1_000_000_000u64,
                },
            },
            "Mode": {"Replicated": {"Replicas": replicas}},
        });
        let reply = self
            .api
            .post_json("/services/create", &spec)
            .with_context(|| format!("{}: creating service {name}", self.name))?;
        let id = reply["ID"]
            .as_str()
            .ok_or_else(|| anyhow!("{}: service create answered no ID: {reply}", self.name))?
            .to_string();
        self.owned
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.clone());
        Ok(Service { id, arg })
    }

    /// The service's tasks that are running and meant to run.
    pub fn running(&self, svc: &Service) -> Result<Vec<Task>> {
        let filters = json!({"service": {&svc.id: true}, "desired-state": {"running": true}});
        let v = self.api.get_json(&format!(
            "/tasks?filters={}",
            urlencode(&filters.to_string())
        ))?;
        let arr = v
            .as_array()
            .ok_or_else(|| anyhow!("GET /tasks did not answer a list: {v}"))?;
        Ok(arr
            .iter()
            .filter(|t| t["Status"]["State"] == "running" && t["DesiredState"] == "running")
            .map(|t| Task {
                id: t["ID"].as_str().unwrap_or_default().to_string(),
                container_id: t["Status"]["ContainerStatus"]["ContainerID"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            })
            .collect())
    }

    /// Container ids (all states) labelled with `label=value`.
    fn containers(&self, label: &str, value: &str) -> Result<Vec<String>> {
        let filters = json!({"label": {format!("{label}={value}"): true}});
        let v = self.engine.get_json(&format!(
            "/containers/json?all=1&filters={}",
            urlencode(&filters.to_string())
        ))?;
        Ok(v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|c| c["Id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Kills the task's container (`docker kill`) or its `sleep` process (SIGKILL).
    pub fn kill(&self, svc: &Service, task: &Task) -> Result<()> {
        match self.runs {
            Runs::Containers => {
                let cid = if task.container_id.is_empty() {
                    self.containers("com.docker.swarm.task.id", &task.id)?
                        .into_iter()
                        .next()
                        .ok_or_else(|| anyhow!("no container for task {}", task.id))?
                } else {
                    task.container_id.clone()
                };
                self.engine
                    .ok("POST", &format!("/containers/{cid}/kill"), None)
                    .context("docker kill")?;
            }
            Runs::Processes => {
                let pids = sys::find_by_args("sleep", &svc.arg);
                if pids.len() != 1 {
                    bail!("expected one `sleep {}` process, found {:?}", svc.arg, pids);
                }
                sys::kill9(pids[0])?;
            }
        }
        Ok(())
    }

    /// Whether anything of the service still runs on the host.
    fn leftovers(&self, svc: &Service) -> Result<usize> {
        Ok(match self.runs {
            Runs::Containers => self
                .containers("com.docker.swarm.service.id", &svc.id)?
                .len(),
            Runs::Processes => sys::find_by_args("sleep", &svc.arg).len(),
        })
    }

    /// `DELETE /services/{id}` only.
    pub fn delete(&self, svc: &Service) -> Result<()> {
        let r = self
            .api
            .request("DELETE", &format!("/services/{}", svc.id), None)?;
        if !(200..300).contains(&r.status) && r.status != 404 {
            bail!(
                "{}: removing service {}: HTTP {}: {}",
                self.name,
                svc.id,
                r.status,
                r.text()
            );
        }
        self.owned
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&svc.id);
        Ok(())
    }

    /// Waits until the service's containers or processes are gone.
    pub fn wait_gone(&self, svc: &Service) -> Result<()> {
        let gone = sys::poll(GONE_LIMIT, Duration::from_millis(50), || {
            Ok((self.leftovers(svc)? == 0).then_some(()))
        })?;
        if gone.is_none() {
            bail!(
                "{}: service {} removed, but its containers/processes are still there after {:?}",
                self.name,
                svc.id,
                GONE_LIMIT
            );
        }
        Ok(())
    }

    /// Removes the service and waits until its containers or processes are gone.
    pub fn remove(&self, svc: &Service) -> Result<()> {
        self.delete(svc)?;
        self.wait_gone(svc)
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        let owned: Vec<String> =
            std::mem::take(&mut *self.owned.lock().unwrap_or_else(|e| e.into_inner()))
                .into_iter()
                .collect();
        for id in &owned {
            let _ = self.api.request("DELETE", &format!("/services/{id}"), None);
        }
        if self.runs == Runs::Containers && !owned.is_empty() {
            // Give the orchestrator a moment to stop the containers, then force the rest.
            for id in &owned {
                let svc = Service {
                    id: id.clone(),
                    arg: String::new(),
                };
                let _ = sys::poll(Duration::from_secs(20), Duration::from_millis(100), || {
                    Ok((self.leftovers(&svc).unwrap_or(0) == 0).then_some(()))
                });
                for cid in self
                    .containers("com.docker.swarm.service.id", id)
                    .unwrap_or_default()
                {
                    let _ =
                        self.engine
                            .request("DELETE", &format!("/containers/{cid}?force=1"), None);
                }
            }
        }
    }
}

/// Runs `f` over `items` on `workers` threads; the first error wins.
pub fn parallel<T: Sync, R: Send>(
    items: &[T],
    workers: usize,
    f: impl Fn(&T) -> Result<R> + Sync,
) -> Result<Vec<R>> {
    let next = AtomicU64::new(0);
    let results: Mutex<Vec<(usize, R)>> = Mutex::new(Vec::with_capacity(items.len()));
    let first_err: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..workers.max(1) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst) as usize;
                if i >= items.len() || first_err.lock().map(|e| e.is_some()).unwrap_or(true) {
                    return;
                }
                match sys::check_interrupt().and_then(|_| f(&items[i])) {
                    Ok(r) => results
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((i, r)),
                    Err(e) => {
                        let mut slot = first_err.lock().unwrap_or_else(|e| e.into_inner());
                        slot.get_or_insert(e);
                        return;
                    }
                }
            });
        }
    });
    if let Some(e) = first_err.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e);
    }
    let mut out = results.into_inner().unwrap_or_else(|e| e.into_inner());
    out.sort_by_key(|(i, _)| *i);
    Ok(out.into_iter().map(|(_, r)| r).collect())
}
