//! Test PKI: a cluster root with a manager and a worker certificate, and a second root with a
//! certificate of its own.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use shoal_ca::{NodeKey, Role, RootCa};
use shoal_rpc::NodeTls;

pub const CLUSTER: &str = "testcluster";
pub const MANAGER_ID: &str = "manager0000000000000000001";
pub const WORKER_ID: &str = "worker00000000000000000001";

/// Certificates for one test.
pub struct Pki {
    pub root: Arc<RootCa>,
    pub manager: NodeTls,
    pub worker: NodeTls,
    /// Another cluster's root.
    pub other_root: RootCa,
    /// A worker certificate from `other_root`, holding (trusting) our root: an intruder that
    /// fetched our CA certificate.
    pub intruder: NodeTls,
}

impl Pki {
    pub fn new() -> Pki {
        let now = SystemTime::now();
        let root = RootCa::generate(now).unwrap();
        let other_root = RootCa::generate(now).unwrap();
        let manager = node(&root, MANAGER_ID, Role::Manager, CLUSTER);
        let worker = node(&root, WORKER_ID, Role::Worker, CLUSTER);
        let mut intruder = node(
            &other_root,
            "intruder000000000000000001",
            Role::Worker,
            "other",
        );
        intruder.root_cert_pem = root.cert_pem().to_owned();
        Pki {
            root: Arc::new(root),
            manager,
            worker,
            other_root,
            intruder,
        }
    }
}

/// A fresh key and a certificate for it from `root`.
pub fn node(root: &RootCa, id: &str, role: Role, cluster: &str) -> NodeTls {
    let key = NodeKey::generate().unwrap();
    let cert_pem = root
        .issue(
            &key.csr_pem(id).unwrap(),
            id,
            role,
            cluster,
            &[],
            SystemTime::now(),
            Duration::from_secs(3600),
        )
        .unwrap();
    NodeTls {
        key_pem: key.key_pem().to_owned(),
        cert_pem,
        root_cert_pem: root.cert_pem().to_owned(),
    }
}
