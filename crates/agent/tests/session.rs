//! The agent against a fake dispatcher and a fake executor: tasks move to running and are
//! reported; when the assignment stream breaks, the agent reconnects and its tasks keep
//! running (no restart); a task that leaves the set is stopped and removed.

use shoal_agent::{
    Agent, AgentConfig, Assignments, DispatcherApi, DispatcherError, StatusUpdate, Stop,
};
use shoal_api::{Assignment, NodeDescription, Task, TaskState};
use shoal_executor::{Controller, ExecError, Executor, Exit, NodeFacts, TaskRun};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch, Notify};

#[derive(Default)]
struct Log {
    events: Mutex<Vec<String>>,
    changed: Notify,
}

impl Log {
    fn push(&self, e: String) {
        self.events.lock().unwrap().push(e);
        self.changed.notify_waiters();
    }
    fn count(&self, e: &str) -> usize {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|x| *x == e)
            .count()
    }
    async fn wait_for(&self, e: &str, n: usize) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let notified = self.changed.notified();
            if self.count(e) >= n {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {e} x{n}: {:?}",
                self.events.lock().unwrap()
            );
            let _ = tokio::time::timeout(Duration::from_millis(200), notified).await;
        }
    }
}

struct FakeExecutor(Arc<Log>);
struct FakeController(Arc<Log>, String, Arc<Notify>);

#[async_trait::async_trait]
impl Controller for FakeController {
    async fn prepare(&mut self) -> Result<(), ExecError> {
        self.0.push(format!("prepare {}", self.1));
        Ok(())
    }
    async fn start(&mut self) -> Result<(), ExecError> {
        self.0.push(format!("start {}", self.1));
        Ok(())
    }
    async fn wait(&mut self) -> Result<Exit, ExecError> {
        self.2.notified().await;
        Ok(Exit { code: 0 })
    }
    async fn shutdown(&mut self) -> Result<(), ExecError> {
        self.0.push(format!("shutdown {}", self.1));
        Ok(())
    }
    async fn remove(&mut self) -> Result<(), ExecError> {
        self.0.push(format!("remove {}", self.1));
        Ok(())
    }
}

#[async_trait::async_trait]
impl Executor for FakeExecutor {
    fn kind(&self) -> &'static str {
        "fake"
    }
    async fn describe(&self) -> Result<NodeFacts, ExecError> {
        Ok(NodeFacts::default())
    }
    fn controller(&self, run: TaskRun) -> Box<dyn Controller> {
        Box::new(FakeController(
            self.0.clone(),
            run.task_id,
            Arc::new(Notify::new()),
        ))
    }
    async fn running_tasks(&self, _: &str) -> Result<Vec<String>, ExecError> {
        Ok(vec![])
    }
    async fn remove_all(&self, _: &str) -> Result<(), ExecError> {
        Ok(())
    }
}

struct FakeDispatcher {
    log: Arc<Log>,
    sessions: Mutex<Vec<mpsc::Sender<Assignments>>>,
    opened: Notify,
}

#[async_trait::async_trait]
impl DispatcherApi for FakeDispatcher {
    async fn register(
        &self,
        node: &str,
        _: NodeDescription,
        _: &str,
    ) -> Result<(), DispatcherError> {
        self.log.push(format!("register {node}"));
        Ok(())
    }
    async fn assignments(&self, _: &str) -> Result<mpsc::Receiver<Assignments>, DispatcherError> {
        let (tx, rx) = mpsc::channel(4);
        self.sessions.lock().unwrap().push(tx);
        self.opened.notify_waiters();
        Ok(rx)
    }
    async fn heartbeat(&self, _: &str) -> Result<Duration, DispatcherError> {
        Ok(Duration::from_secs(3600))
    }
    async fn report(&self, _: &str, updates: Vec<StatusUpdate>) -> Result<(), DispatcherError> {
        for u in updates {
            self.log
                .push(format!("{} {}", u.task_id, u.status.state.as_str()));
        }
        Ok(())
    }
}

fn task(id: &str) -> Task {
    let mut t = Task {
        id: id.into(),
        name: format!("svc.1.{id}"),
        node_id: "n1".into(),
        slot: 1,
        desired_state: TaskState::Running,
        ..Default::default()
    };
    t.status.state = TaskState::Assigned;
    t
}

type Started = (
    Arc<Log>,
    Arc<FakeDispatcher>,
    watch::Sender<Option<Stop>>,
    tokio::task::JoinHandle<()>,
);

/// An agent for node n1 against the fakes, running.
fn start_agent() -> Started {
    let log = Arc::new(Log::default());
    let dispatcher = Arc::new(FakeDispatcher {
        log: log.clone(),
        sessions: Mutex::new(vec![]),
        opened: Notify::new(),
    });
    let (stop_tx, stop_rx) = watch::channel(None);
    let cfg = AgentConfig {
        node_id: "n1".into(),
        hostname: None,
        engine_labels: Default::default(),
        executor: Arc::new(FakeExecutor(log.clone())),
        dispatcher: dispatcher.clone(),
    };
    let agent = tokio::spawn(Agent::run(cfg, stop_rx));
    (log, dispatcher, stop_tx, agent)
}

/// The assignment stream of the agent's current session, once it has opened one.
async fn next_session(dispatcher: &FakeDispatcher) -> mpsc::Sender<Assignments> {
    loop {
        let opened = dispatcher.opened.notified();
        if let Some(tx) = dispatcher.sessions.lock().unwrap().first().cloned() {
            return tx;
        }
        opened.await;
    }
}

#[tokio::test]
async fn runs_tasks_survives_a_broken_stream_and_removes_what_leaves() {
    let (log, dispatcher, stop_tx, agent) = start_agent();

    let session = next_session(&dispatcher).await;
    session
        .send(vec![Assignment::bare(task("t1"))])
        .await
        .unwrap();
    log.wait_for("t1 running", 1).await;
    assert_eq!(log.count("start t1"), 1);

    // The manager goes away: the stream ends; the agent re-registers and reopens it.
    dispatcher.sessions.lock().unwrap().clear();
    drop(session);
    log.wait_for("register n1", 2).await;
    let session = next_session(&dispatcher).await;
    let mut running = task("t1");
    running.status.state = TaskState::Running;
    session.send(vec![Assignment::bare(running)]).await.unwrap();
    // The task left the set: stopped and removed.
    session.send(vec![]).await.unwrap();
    log.wait_for("remove t1", 1).await;
    assert_eq!(
        log.count("start t1"),
        1,
        "the task was not restarted by the reconnect"
    );
    assert_eq!(log.count("shutdown t1"), 1);

    stop_tx.send(Some(Stop::Daemon)).unwrap();
    agent.await.unwrap();
}

/// A task assigned while the node was unreachable and shut down before it was ever accepted:
/// reported shut down at once, without an executor call, and the agent carries on (it used
/// to spin on it and starve the runtime).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_shut_down_before_it_was_accepted_is_reported_and_left_alone() {
    let (log, dispatcher, stop_tx, agent) = start_agent();
    let session = next_session(&dispatcher).await;
    let mut gone = task("t1");
    gone.desired_state = TaskState::Shutdown;
    session
        .send(vec![Assignment::bare(gone), Assignment::bare(task("t2"))])
        .await
        .unwrap();
    log.wait_for("t1 shutdown", 1).await;
    log.wait_for("t2 running", 1).await;
    assert_eq!(log.count("start t1"), 0, "never started");
    assert_eq!(log.count("shutdown t1"), 0, "no executor call for it");
    stop_tx.send(Some(Stop::Daemon)).unwrap();
    agent.await.unwrap();
}
