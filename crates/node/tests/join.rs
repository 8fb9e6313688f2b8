//! The CA's join decision against a real single-manager swarm: the right token gets a
//! certificate for its role and a node record; wrong, rotated or foreign tokens get Docker's
//! refusal and change nothing.

use shoal_ca::token::JoinToken;
use shoal_ca::{NodeKey, Role};
use shoal_executor::process::ProcessExecutor;
use shoal_manager::ca_server::{join, INVALID_TOKEN};
use shoal_manager::control::ControlError;
use shoal_node::{InitRequest, NodeRuntime, RuntimeConfig};
use std::sync::Arc;
use std::time::SystemTime;

async fn swarm(dir: &std::path::Path) -> Arc<NodeRuntime> {
    let exec = ProcessExecutor::new(dir.join("tasks"), "test".into());
    let rt = NodeRuntime::start(RuntimeConfig {
        data_dir: dir.to_path_buf(),
        executor: Arc::new(exec),
        hostname: Some("m1".into()),
        engine_labels: Default::default(),
    })
    .await
    .unwrap();
    rt.init(InitRequest::default()).await.unwrap();
    rt
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_grant_their_role_and_bad_tokens_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let rt = swarm(dir.path()).await;
    let m = rt.manager().unwrap();
    let cluster = m.read().cluster.clone().unwrap();
    let root_der = shoal_ca::cert_der_from_pem(&cluster.tls_info.trust_root).unwrap();

    let key = NodeKey::generate().unwrap();
    let csr = key.csr_pem("").unwrap();
    let worker = join(&m, &cluster.join_tokens.worker, &csr, None)
        .await
        .unwrap();
    assert_eq!(worker.role, Role::Worker);
    let id = shoal_ca::verify_issued(
        &root_der,
        &shoal_ca::cert_der_from_pem(&worker.cert_pem).unwrap(),
        SystemTime::now(),
    )
    .unwrap();
    assert_eq!(id.node_id, worker.node_id);
    assert_eq!(id.cluster_id, cluster.id);
    key.check_cert(&shoal_ca::cert_der_from_pem(&worker.cert_pem).unwrap())
        .unwrap();
    assert!(m.read().nodes.contains_key(&worker.node_id));

    let manager = join(&m, &cluster.join_tokens.manager, &csr, None)
        .await
        .unwrap();
    assert_eq!(manager.role, Role::Manager);

    let nodes_before = m.read().nodes.len();
    let digest = JoinToken::parse(&cluster.join_tokens.worker)
        .unwrap()
        .digest;
    let wrong_secret = JoinToken::generate(&digest).to_string();
    let other_cluster = JoinToken::generate(&"0".repeat(50)).to_string();
    for bad in [
        wrong_secret.as_str(),
        other_cluster.as_str(),
        "SWMTKN-1-nonsense",
        "",
    ] {
        let err = join(&m, bad, &csr, None).await.unwrap_err();
        assert_eq!(
            err,
            ControlError::InvalidArgument(INVALID_TOKEN.into()),
            "{bad}"
        );
    }
    // A rotated token no longer works; the new one does.
    shoal_manager::control::swarm::update(
        &m,
        cluster.version.index,
        cluster.spec.clone(),
        shoal_manager::control::swarm::Rotate {
            worker_token: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let err = join(&m, &cluster.join_tokens.worker, &csr, None)
        .await
        .unwrap_err();
    assert_eq!(err, ControlError::InvalidArgument(INVALID_TOKEN.into()));
    assert_eq!(m.read().nodes.len(), nodes_before);
    let fresh = m.read().cluster.clone().unwrap().join_tokens.worker;
    join(&m, &fresh, &csr, None).await.unwrap();
    rt.shutdown().await;
}
