//! Certificate renewal against real runtimes: a worker joined over mutual TLS renews through
//! its manager's CA (same id and role, new key); the manager renews with the cluster CA; a
//! node removed from the swarm cannot renew.

use shoal_executor::process::ProcessExecutor;
use shoal_node::renewal::Renewer;
use shoal_node::{InitRequest, JoinRequest, NodeRuntime, RuntimeConfig};
use std::sync::Arc;
use std::time::SystemTime;

async fn runtime(dir: &std::path::Path, host: &str) -> Arc<NodeRuntime> {
    let exec = ProcessExecutor::new(dir.join("tasks"), host.into());
    NodeRuntime::start(RuntimeConfig {
        data_dir: dir.to_path_buf(),
        executor: Arc::new(exec),
        hostname: Some(host.into()),
        engine_labels: Default::default(),
    })
    .await
    .unwrap()
}

fn cert_of(dir: &std::path::Path) -> (String, String) {
    let c = std::fs::read_to_string(dir.join("swarm/certificates/node.crt")).unwrap();
    let k = std::fs::read_to_string(dir.join("swarm/certificates/node.key")).unwrap();
    (c, k)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_renew_their_certificates_until_removed() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mdir = tempfile::tempdir().unwrap();
    let wdir = tempfile::tempdir().unwrap();
    let manager_rt = runtime(mdir.path(), "m").await;
    manager_rt
        .init(InitRequest {
            listen_addr: addr.clone(),
            advertise_addr: addr.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    let m = manager_rt.manager().unwrap();
    let token = m.read().cluster.clone().unwrap().join_tokens.worker;
    let worker_rt = runtime(wdir.path(), "w").await;
    worker_rt
        .join(JoinRequest {
            remote_addrs: vec![addr.clone()],
            join_token: token,
            ..Default::default()
        })
        .await
        .unwrap();

    let (old_cert, old_key) = cert_of(wdir.path());
    let renewed = Renewer::Remote(addr.clone())
        .renew_now(&wdir.path().join("swarm"))
        .await
        .unwrap();
    let (new_cert, new_key) = cert_of(wdir.path());
    assert_ne!(old_cert, new_cert);
    assert_ne!(old_key, new_key);
    assert_eq!(renewed.cert_pem, new_cert);
    let root = shoal_ca::cert_der_from_pem(&renewed.root_cert_pem).unwrap();
    let old_id = shoal_ca::identity_of(&shoal_ca::cert_der_from_pem(&old_cert).unwrap()).unwrap();
    let new_id = shoal_ca::verify_issued(
        &root,
        &shoal_ca::cert_der_from_pem(&new_cert).unwrap(),
        SystemTime::now(),
    )
    .unwrap();
    assert_eq!(new_id.node_id, old_id.node_id);
    assert_eq!(new_id.role, shoal_ca::Role::Worker);

    Renewer::Local(m.clone())
        .renew_now(&mdir.path().join("swarm"))
        .await
        .unwrap();

    // Removed from the swarm: no more certificates.
    worker_rt.shutdown().await;
    shoal_manager::control::nodes::remove(&m, &new_id.node_id, true)
        .await
        .unwrap();
    let err = Renewer::Remote(addr)
        .renew_now(&wdir.path().join("swarm"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not part of this swarm"), "{err}");
    manager_rt.shutdown().await;
}
