//! The agent against a fake dispatcher and a fake executor: tasks move to running and are
//! reported; when the assignment stream breaks, the agent reconnects and its tasks keep
//! running (no restart); a task that leaves the set is stopped and removed.

use shoal_agent::{
    Agent, AgentConfig, Assignments, DispatcherApi, DispatcherError, StatusUpdate, Stop,
};
use shoal_api::{Assignment, NodeDescription, Task, TaskState};
use shoal_executor::fake::{FakeExecutor, Journal};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch, Notify};

/// How long a test waits for an event.
const LIMIT: Duration = Duration::from_secs(10);

struct FakeDispatcher {
    log: Arc<Journal>,
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
    Arc<Journal>,
    Arc<FakeDispatcher>,
    watch::Sender<Option<Stop>>,
    tokio::task::JoinHandle<()>,
);

/// An agent for node n1 against the fakes, running.
fn start_agent() -> Started {
    let log = Arc::new(Journal::default());
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
        executor: Arc::new(FakeExecutor::new("n1").with_journal(log.clone())),
        data_plane: None,
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
    log.wait_for("t1 running", 1, LIMIT).await;
    assert_eq!(log.count("start t1"), 1);

    // The manager goes away: the stream ends; the agent re-registers and reopens it.
    dispatcher.sessions.lock().unwrap().clear();
    drop(session);
    log.wait_for("register n1", 2, LIMIT).await;
    let session = next_session(&dispatcher).await;
    let mut running = task("t1");
    running.status.state = TaskState::Running;
    session.send(vec![Assignment::bare(running)]).await.unwrap();
    // The task left the set: stopped and removed.
    session.send(vec![]).await.unwrap();
    log.wait_for("remove t1", 1, LIMIT).await;
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
    log.wait_for("t1 shutdown", 1, LIMIT).await;
    log.wait_for("t2 running", 1, LIMIT).await;
    assert_eq!(log.count("start t1"), 0, "never started");
    assert_eq!(log.count("shutdown t1"), 0, "no executor call for it");
    stop_tx.send(Some(Stop::Daemon)).unwrap();
    agent.await.unwrap();
}
