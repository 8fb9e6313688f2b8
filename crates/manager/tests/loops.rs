//! The manager's background loops in process, under paused tokio time: the reconciler places
//! and replaces tasks, the dispatcher marks silent nodes down after three heartbeat periods.
//! Time only moves when every task waits, so these take milliseconds of real time.

mod support;

use shoal_api::{NodeRole, NodeState, ServiceMode, ServiceSpec, StatusUpdate, TaskState};
use shoal_manager::{control::services, reconciler, Dispatcher};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

fn spec(name: &str, replicas: u64) -> ServiceSpec {
    let mut s = ServiceSpec {
        name: name.into(),
        mode: ServiceMode::replicated(replicas),
        ..Default::default()
    };
    s.task_template.container_spec.image = "busybox".into();
    s
}

fn running(st: &shoal_store::State, service: &str) -> usize {
    st.tasks
        .values()
        .filter(|t| t.service_id == service && t.status.state == TaskState::Running)
        .count()
}

/// A swarm of one whose node has registered, with its reconciler running.
async fn reconciling() -> (
    Arc<shoal_manager::Manager>,
    Arc<Dispatcher>,
    watch::Sender<bool>,
    tokio::task::JoinHandle<()>,
) {
    let m = support::swarm().await;
    let dispatcher = Arc::new(Dispatcher::new(m.clone(), "127.0.0.1".into()));
    dispatcher
        .register("m1", support::description("m1"), "process")
        .await
        .expect("register");
    let (stop_tx, stop) = watch::channel(false);
    let recon = tokio::spawn(reconciler::run(m.clone(), stop));
    (m, dispatcher, stop_tx, recon)
}

#[tokio::test(start_paused = true)]
async fn the_reconciler_places_tasks_and_replaces_a_failed_one_after_its_back_off() {
    let (m, dispatcher, stop_tx, recon) = reconciling().await;

    let id = services::create(&m, spec("web", 3)).await.expect("create");
    support::until(&m, Duration::from_secs(5), "3 assigned tasks", |st| {
        st.tasks
            .values()
            .filter(|t| t.service_id == id && t.node_id == "m1")
            .count()
            == 3
    })
    .await;

    // The agent reports them running, then one fails.
    let ids: Vec<String> = m.read().tasks.keys().cloned().collect();
    let report = |id: &str, state: TaskState| StatusUpdate {
        task_id: id.to_string(),
        status: shoal_api::TaskStatus {
            timestamp: m.now(),
            state,
            ..Default::default()
        },
    };
    for state in [TaskState::Accepted, TaskState::Starting, TaskState::Running] {
        let updates = ids.iter().map(|t| report(t, state)).collect();
        dispatcher.report("m1", updates).await.expect("report");
    }
    assert_eq!(running(&m.read(), &id), 3);
    let failed_at = tokio::time::Instant::now();
    dispatcher
        .report("m1", vec![report(&ids[0], TaskState::Failed)])
        .await
        .expect("report");
    support::until(&m, Duration::from_secs(30), "a replacement", |st| {
        st.tasks.len() == 4
            && st
                .tasks
                .values()
                .filter(|t| t.desired_state == TaskState::Running)
                .count()
                == 3
    })
    .await;
    // The first restart of a slot is immediate (adaptive back-off starts at 0).
    assert!(failed_at.elapsed() < Duration::from_secs(1));

    stop_tx.send(true).expect("stop");
    recon.await.expect("reconciler ends");
}

#[tokio::test(start_paused = true)]
async fn a_silent_node_is_marked_down_after_three_heartbeat_periods() {
    let m = support::swarm().await;
    m.propose(vec![shoal_store::Op::PutNode(Box::new(support::node(
        "w1",
        NodeRole::Worker,
    )))])
    .await
    .expect("worker");
    let dispatcher = Arc::new(Dispatcher::new(m.clone(), "127.0.0.1".into()));
    for n in ["m1", "w1"] {
        dispatcher
            .register(n, support::description(n), "process")
            .await
            .expect("register");
    }
    let (stop_tx, stop) = watch::channel(false);
    tokio::spawn(dispatcher.clone().watch_liveness(stop));

    // m1 keeps beating, w1 says nothing.
    let started = tokio::time::Instant::now();
    let beating = {
        let d = dispatcher.clone();
        tokio::spawn(async move {
            loop {
                let period = d.heartbeat("m1").await.expect("heartbeat");
                tokio::time::sleep(period).await;
            }
        })
    };
    let state = |st: &shoal_store::State, n: &str| st.nodes[n].status.state;
    support::until(&m, Duration::from_secs(30), "w1 down", |st| {
        state(st, "w1") == NodeState::Down
    })
    .await;
    let period = dispatcher.period();
    let waited = started.elapsed();
    assert!(
        waited >= period * 3 && waited <= period * 4,
        "down after {waited:?} with a {period:?} period"
    );
    assert_eq!(state(&m.read(), "m1"), NodeState::Ready);
    assert_eq!(
        m.read().nodes["w1"].status.message,
        "heartbeat failure",
        "Swarm's words"
    );

    // A beat brings it back.
    dispatcher.heartbeat("w1").await.expect("heartbeat");
    assert_eq!(state(&m.read(), "w1"), NodeState::Ready);
    beating.abort();
    stop_tx.send(true).expect("stop");
}

#[tokio::test(start_paused = true)]
async fn tasks_get_an_address_on_each_network_of_their_service() {
    let (m, _dispatcher, stop_tx, recon) = reconciling().await;
    let req: shoal_api::network::NetworkCreate =
        serde_json::from_value(serde_json::json!({"Name": "backend", "Driver": "overlay"}))
            .expect("request");
    let net = shoal_manager::control::networks::create(&m, req)
        .await
        .expect("network");
    let mut s = spec("db", 2);
    s.task_template.networks =
        Some(serde_json::from_value(serde_json::json!([{"Target": "backend"}])).expect("nets"));
    let id = services::create(&m, s).await.expect("create");
    support::until(&m, Duration::from_secs(5), "2 tasks", |st| {
        st.tasks.values().filter(|t| t.service_id == id).count() == 2
    })
    .await;
    let vip = m.read().services[&id].endpoint.virtual_ips[0].addr.clone();
    let mut addrs: Vec<String> = m
        .read()
        .tasks
        .values()
        .map(|t| {
            assert_eq!(t.networks_attachments[0].network.id, net);
            assert_eq!(t.networks_attachments[0].network.spec.name, "backend");
            t.networks_attachments[0].addresses[0].clone()
        })
        .collect();
    addrs.sort();
    assert_eq!(vip, "10.0.1.2/24");
    assert_eq!(addrs, ["10.0.1.3/24", "10.0.1.4/24"]);
    stop_tx.send(true).expect("stop");
    recon.await.expect("reconciler ends");
}
