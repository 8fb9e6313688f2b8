//! A fake [`Executor`] for tests and benchmarks: nothing runs. A task "starts" the moment
//! the agent asks and "runs" until it is shut down, then exits with 143 (SIGTERM), the way a
//! real executor reports a stopped task. Every step can be recorded in a [`Journal`]
//! (`prepare t1`, `start t1`, `shutdown t1`, `remove t1`) that the test reads and waits on;
//! a shared counter counts starts cheaply, for runs with thousands of tasks.

use crate::{Controller, ExecError, Executor, Exit, NodeFacts, TaskRun};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{watch, Notify};

/// The exit status of a task stopped by SIGTERM.
pub const STOPPED: i64 = 128 + 15;

/// Events in order, shared between the fake and the test (which may add its own).
#[derive(Debug, Default)]
pub struct Journal {
    events: Mutex<Vec<String>>,
    changed: Notify,
}

impl Journal {
    pub fn push(&self, event: String) {
        self.events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(event);
        self.changed.notify_waiters();
    }

    /// How many times `event` was recorded.
    pub fn count(&self, event: &str) -> usize {
        self.events().iter().filter(|e| *e == event).count()
    }

    pub fn events(&self) -> Vec<String> {
        self.events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Waits until `event` was recorded `n` times; panics (with the journal) after
    /// `limit`.
    pub async fn wait_for(&self, event: &str, n: usize, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let notified = self.changed.notified();
            if self.count(event) >= n {
                return;
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            assert!(
                !left.is_zero(),
                "timed out waiting for {event:?} x{n}: {:?}",
                self.events()
            );
            let _ = tokio::time::timeout(left, notified).await;
        }
    }
}

/// An executor that runs nothing; see the module doc.
pub struct FakeExecutor {
    kind: &'static str,
    facts: NodeFacts,
    started: Arc<AtomicU64>,
    journal: Option<Arc<Journal>>,
}

impl FakeExecutor {
    /// A fake of kind `"fake"` on a node named `hostname` with 2 CPUs and 8 GiB.
    pub fn new(hostname: &str) -> FakeExecutor {
        FakeExecutor {
            kind: "fake",
            facts: NodeFacts {
                hostname: hostname.to_string(),
                os: std::env::consts::OS.into(),
                arch: std::env::consts::ARCH.into(),
                nano_cpus: 2_000_000_000,
                memory_bytes: 8 << 30,
                engine_version: "shoal fake executor".into(),
                engine_labels: Default::default(),
            },
            started: Arc::default(),
            journal: None,
        }
    }

    /// Reports `kind` (e.g. `"process"`, for services that expect that executor).
    pub fn with_kind(mut self, kind: &'static str) -> FakeExecutor {
        self.kind = kind;
        self
    }

    /// Counts starts in `counter` (shareable between several fakes).
    pub fn counting(mut self, counter: Arc<AtomicU64>) -> FakeExecutor {
        self.started = counter;
        self
    }

    /// Records every step in `journal`.
    pub fn with_journal(mut self, journal: Arc<Journal>) -> FakeExecutor {
        self.journal = Some(journal);
        self
    }

    /// Tasks started so far.
    pub fn started(&self) -> u64 {
        self.started.load(Ordering::Relaxed)
    }
}

#[async_trait::async_trait]
impl Executor for FakeExecutor {
    fn kind(&self) -> &'static str {
        self.kind
    }

    async fn describe(&self) -> Result<NodeFacts, ExecError> {
        Ok(self.facts.clone())
    }

    fn controller(&self, run: TaskRun) -> Box<dyn Controller> {
        Box::new(FakeTask {
            id: run.task_id,
            running: watch::channel(None).0,
            started: self.started.clone(),
            journal: self.journal.clone(),
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
    id: String,
    running: watch::Sender<Option<bool>>,
    started: Arc<AtomicU64>,
    journal: Option<Arc<Journal>>,
}

impl FakeTask {
    fn note(&self, step: &str) {
        if let Some(j) = &self.journal {
            j.push(format!("{step} {}", self.id));
        }
    }
}

#[async_trait::async_trait]
impl Controller for FakeTask {
    async fn prepare(&mut self) -> Result<(), ExecError> {
        self.note("prepare");
        Ok(())
    }

    async fn start(&mut self) -> Result<(), ExecError> {
        self.note("start");
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
        self.note("shutdown");
        if *self.running.borrow() == Some(true) {
            self.running.send_replace(Some(false));
        }
        Ok(())
    }

    async fn remove(&mut self) -> Result<(), ExecError> {
        self.note("remove");
        if *self.running.borrow() == Some(true) {
            self.running.send_replace(Some(false));
        }
        Ok(())
    }
}
