//! An executor that runs nothing: a task is "started" the moment the agent asks and "runs"
//! until the agent shuts it down, so the end-to-end figure measures the manager, raft, the
//! node RPC and the agents, not process or container start-up. It counts the tasks it
//! started, as a cross-check of the figure.

use shoal_executor::{Controller, ExecError, Executor, Exit, NodeFacts, TaskRun};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::watch;

/// The exit status of a task stopped by SIGTERM, which is how a real executor reports a
/// shut-down task.
const STOPPED: i64 = 128 + 15;

pub struct FakeExecutor {
    hostname: String,
    pub started: Arc<AtomicU64>,
}

impl FakeExecutor {
    pub fn new(hostname: &str, started: Arc<AtomicU64>) -> FakeExecutor {
        FakeExecutor {
            hostname: hostname.to_string(),
            started,
        }
    }
}

#[async_trait::async_trait]
impl Executor for FakeExecutor {
    fn kind(&self) -> &'static str {
        "process"
    }

    async fn describe(&self) -> Result<NodeFacts, ExecError> {
        Ok(NodeFacts {
            hostname: self.hostname.clone(),
            os: std::env::consts::OS.into(),
            arch: std::env::consts::ARCH.into(),
            nano_cpus: 2_000_000_000,
            memory_bytes: 8 << 30,
            engine_version: "shoal-bench fake executor".into(),
            engine_labels: Default::default(),
        })
    }

    fn controller(&self, _run: TaskRun) -> Box<dyn Controller> {
        Box::new(FakeTask {
            running: watch::channel(None).0,
            started: self.started.clone(),
        })
    }

    async fn running_tasks(&self, _node_id: &str) -> Result<Vec<String>, ExecError> {
        Ok(Vec::new())
    }

    async fn remove_all(&self, _node_id: &str) -> Result<(), ExecError> {
        Ok(())
    }
}

/// One task: `None` before start, `Some(true)` while "running", `Some(false)` once stopped.
struct FakeTask {
    running: watch::Sender<Option<bool>>,
    started: Arc<AtomicU64>,
}

#[async_trait::async_trait]
impl Controller for FakeTask {
    async fn prepare(&mut self) -> Result<(), ExecError> {
        Ok(())
    }

    async fn start(&mut self) -> Result<(), ExecError> {
        if self.running.borrow().is_none() {
            self.started.fetch_add(1, Ordering::Relaxed);
            self.running.send_replace(Some(true));
        }
        Ok(())
    }

    async fn wait(&mut self) -> Result<Exit, ExecError> {
        let mut rx = self.running.subscribe();
        match rx.wait_for(|r| *r != Some(true)).await.map(|r| *r) {
            Ok(None) => Err(ExecError::Failed("the task was never started".into())),
            _ => Ok(Exit { code: STOPPED }),
        }
    }

    async fn shutdown(&mut self) -> Result<(), ExecError> {
        if *self.running.borrow() == Some(true) {
            self.running.send_replace(Some(false));
        }
        Ok(())
    }

    async fn remove(&mut self) -> Result<(), ExecError> {
        self.shutdown().await
    }
}
