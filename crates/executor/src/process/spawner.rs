//! A dedicated thread that forks every task process.
//!
//! PR_SET_PDEATHSIG fires when the *thread* that forked the child exits, not the process. Tokio
//! threads can retire while the daemon lives on (blocking-pool threads after idling, a worker
//! that went through `block_in_place`), which would SIGKILL perfectly healthy tasks. Forking
//! from one thread that lives as long as the process makes the signal mean "the daemon died".

use std::io;
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};

use tokio::process::{Child, Command};
use tokio::runtime::Handle;
use tokio::sync::oneshot;

struct Request {
    command: Command,
    /// The caller's runtime: the child is registered with its reaper.
    runtime: Handle,
    reply: oneshot::Sender<io::Result<Child>>,
}

static SPAWNER: OnceLock<Mutex<Option<mpsc::Sender<Request>>>> = OnceLock::new();

/// Spawns `command` from the spawner thread (started on first use).
pub(crate) async fn spawn(command: Command) -> io::Result<Child> {
    let (reply, answer) = oneshot::channel();
    let request = Request {
        command,
        runtime: Handle::current(),
        reply,
    };
    sender()?
        .send(request)
        .map_err(|_| io::Error::other("the process spawner thread is gone"))?;
    answer
        .await
        .map_err(|_| io::Error::other("the process spawner thread is gone"))?
}

fn sender() -> io::Result<mpsc::Sender<Request>> {
    let slot = SPAWNER.get_or_init(|| Mutex::new(None));
    // Poisoning cannot leave the Option half-written; carry on with it.
    let mut slot = slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(tx) = slot.as_ref() {
        return Ok(tx.clone());
    }
    let (tx, rx) = mpsc::channel::<Request>();
    std::thread::Builder::new()
        .name("shoal-spawner".to_string())
        .spawn(move || {
            for mut request in rx {
                let _runtime = request.runtime.enter();
                let _ = request.reply.send(request.command.spawn());
            }
        })?;
    *slot = Some(tx.clone());
    Ok(tx)
}
