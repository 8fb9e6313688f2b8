//! The server-streaming Session: messages arrive in order, and the server notices the client
//! leaving.

use std::time::Duration;

use shoal_rpc::pb::SessionRequest;
use shoal_rpc::{client, json, tls};

use super::pki::{Pki, WORKER_ID};
use super::server::Running;
use super::services::Event;

/// Bound on waiting for the server to notice (not a synchronisation: the event is awaited).
const NOTICE_WITHIN: Duration = Duration::from_secs(10);

#[tokio::test]
async fn session_streams_in_order_and_notices_the_client_leaving() {
    let pki = Pki::new();
    let mut server = Running::start(&pki, &pki.manager).await;
    let channel = client::connect(&server.addr, tls::client_config(&pki.worker).unwrap())
        .await
        .unwrap();
    let mut stream = client::dispatcher(channel.clone())
        .session(SessionRequest {
            node_id: WORKER_ID.into(),
            description_json: b"{}".to_vec(),
            executor: "process".into(),
        })
        .await
        .unwrap()
        .into_inner();

    for expected in [1, 2] {
        let message = stream.message().await.unwrap().expect("a task set");
        let tasks: Vec<shoal_api::Task> =
            json::decode("assignments_json", &message.assignments_json).unwrap();
        assert_eq!(tasks.len(), expected);
        assert!(tasks.iter().all(|t| t.node_id == WORKER_ID));
    }

    // The client goes away (stream reset); the channel itself stays up.
    drop(stream);
    let event = tokio::time::timeout(NOTICE_WITHIN, server.events.recv())
        .await
        .expect("the server noticed the client leaving")
        .unwrap();
    assert_eq!(event, Event::SessionClosed(WORKER_ID.into()));
    drop(channel);
    server.stop().await;
}

#[tokio::test]
async fn shutdown_cuts_sessions_left_open_after_the_drain_timeout() {
    let pki = Pki::new();
    let server = Running::start(&pki, &pki.manager).await;
    let addr = server.addr.clone();
    let channel = client::connect(&addr, tls::client_config(&pki.worker).unwrap())
        .await
        .unwrap();
    let mut stream = client::dispatcher(channel.clone())
        .session(SessionRequest {
            node_id: WORKER_ID.into(),
            description_json: b"{}".to_vec(),
            executor: "process".into(),
        })
        .await
        .unwrap()
        .into_inner();
    stream.message().await.unwrap().expect("first task set");
    stream.message().await.unwrap().expect("second task set");

    // The session never ends by itself; stopping returns anyway (after the drain timeout).
    tokio::time::timeout(NOTICE_WITHIN, server.stop())
        .await
        .expect("the server stopped despite the open session");
    let end = tokio::time::timeout(NOTICE_WITHIN, stream.message())
        .await
        .expect("the client saw its session end");
    assert!(end.is_err(), "{end:?}");
    // And the listening socket is gone.
    let err = client::connect(&addr, tls::client_config(&pki.worker).unwrap())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("TCP connect failed"), "{err}");
}
