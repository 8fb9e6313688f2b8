//! What the node's background loops ask of the node: they send an event into a channel the
//! runtime owns, and the runtime's one handler acts on it ([`crate::runtime`]), instead of
//! each loop holding a pointer back to the runtime. Each event carries a reply, so a loop
//! learns whether to retry.

use std::path::PathBuf;
use tokio::sync::{mpsc, oneshot};

type Reply = oneshot::Sender<Result<(), String>>;

pub(crate) enum NodeEvent {
    /// The swarm wants this worker as a manager.
    Promote(Reply),
    /// The swarm wants this manager as a worker, and raft has let it go.
    Demote(Reply),
    /// Seal this manager's raft data key with `key` (autolock on), or store it plain.
    Reseal {
        raft_dir: PathBuf,
        key: Option<String>,
        done: Reply,
    },
}

/// The sending side, handed to the loops.
#[derive(Clone)]
pub(crate) struct Events(mpsc::Sender<NodeEvent>);

impl Events {
    pub(crate) fn channel() -> (Events, mpsc::Receiver<NodeEvent>) {
        let (tx, rx) = mpsc::channel(8);
        (Events(tx), rx)
    }

    /// Sends the event `make` builds and waits for the runtime's answer; an error when the
    /// runtime is gone (the node is shutting down).
    pub(crate) async fn ask(&self, make: impl FnOnce(Reply) -> NodeEvent) -> Result<(), String> {
        let (done, answer) = oneshot::channel();
        self.0
            .send(make(done))
            .await
            .map_err(|_| "the node is stopping".to_string())?;
        answer
            .await
            .map_err(|_| "the node is stopping".to_string())?
    }
}
