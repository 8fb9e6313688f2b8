//! A manager's RPC server with the test services, on 127.0.0.1 and a free port.

use std::sync::Arc;
use std::time::Duration;

use shoal_ca::JoinToken;
use shoal_rpc::server::{self, RpcServer};
use shoal_rpc::{NodeTls, RpcError};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::pki::Pki;
use super::services::{Event, TestCa, TestDispatcher, TestRaft};

/// Short, so the test of a shutdown with a call still open is quick.
pub const DRAIN_TIMEOUT: Duration = Duration::from_millis(200);

/// A running server.
pub struct Running {
    /// `127.0.0.1:port`.
    pub addr: String,
    /// What its services observed.
    pub events: mpsc::UnboundedReceiver<Event>,
    /// The token its CA accepts.
    pub worker_token: JoinToken,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), RpcError>>,
}

impl Running {
    /// Starts the server presenting `tls` (normally the manager's).
    pub async fn start(pki: &Pki, tls: &NodeTls) -> Running {
        let (events_tx, events) = mpsc::unbounded_channel();
        let worker_token = JoinToken::generate(&pki.root.digest());
        let listener = server::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let (stop, stopped) = oneshot::channel::<()>();
        let rpc = RpcServer::new(tls)
            .unwrap()
            .ca(TestCa {
                root: Arc::clone(&pki.root),
                worker_token: worker_token.clone(),
            })
            .dispatcher(TestDispatcher { events: events_tx })
            .raft(TestRaft)
            .drain_timeout(DRAIN_TIMEOUT);
        let task = tokio::spawn(rpc.serve_on(listener, async move {
            let _ = stopped.await;
        }));
        Running {
            addr,
            events,
            worker_token,
            stop,
            task,
        }
    }

    /// Stops the server and checks it shut down cleanly.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap().unwrap();
    }
}
