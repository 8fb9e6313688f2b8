//! Turns a server stream of JSON messages from a manager into a channel of decoded items,
//! for the agent's long-lived subscriptions (log subscription sets, networking views).

use tokio::sync::mpsc;

/// Forwards each message of `stream`, decoded by `decode`, until the stream ends, a message
/// does not decode, or the receiver is dropped.
pub fn relay<M, T>(
    mut stream: tonic::Streaming<M>,
    decode: impl Fn(&M) -> Option<T> + Send + 'static,
) -> mpsc::Receiver<T>
where
    M: Send + 'static,
    T: Send + 'static,
{
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        while let Ok(Some(msg)) = stream.message().await {
            let Some(item) = decode(&msg) else { return };
            if tx.send(item).await.is_err() {
                return;
            }
        }
    });
    rx
}
