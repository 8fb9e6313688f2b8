//! The node's certificates on disk, and creating the cluster's PKI at `swarm init`.
//!
//! `<data-dir>/swarm/certificates/`: `node.key` (0600), `node.crt`, `root.crt`. The root CA's
//! key lives in the replicated state (so any manager can issue certificates), never on the
//! API.

use crate::error::ManagerError;
use shoal_api::JoinTokens;
use shoal_ca::token::JoinToken;
use shoal_ca::{NodeKey, Role, RootCa, DEFAULT_NODE_CERT_VALIDITY};
use shoal_store::CaRecord;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// A node's TLS material.
#[derive(Clone)]
pub struct NodeCerts {
    pub key_pem: String,
    pub cert_pem: String,
    pub root_cert_pem: String,
}

impl std::fmt::Debug for NodeCerts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeCerts")
            .field("key_pem", &"<redacted>")
            .finish()
    }
}

/// What `swarm init` creates: the root CA, the first manager's certificate, join tokens.
pub struct NewPki {
    pub ca: CaRecord,
    pub node: NodeCerts,
    pub tokens: JoinTokens,
}

fn pki_err(e: shoal_ca::CaError) -> ManagerError {
    ManagerError::Decode(format!("PKI: {e}"))
}

pub fn create(cluster_id: &str, node_id: &str) -> Result<NewPki, ManagerError> {
    let now = SystemTime::now();
    let root = RootCa::generate(now).map_err(pki_err)?;
    let key = NodeKey::generate().map_err(pki_err)?;
    let csr = key.csr_pem(node_id).map_err(pki_err)?;
    let cert = root
        .issue(
            &csr,
            node_id,
            Role::Manager,
            cluster_id,
            &[],
            now,
            DEFAULT_NODE_CERT_VALIDITY,
        )
        .map_err(pki_err)?;
    let digest = root.digest();
    Ok(NewPki {
        ca: CaRecord {
            cert_pem: root.cert_pem().to_string(),
            key_pem: root.key_pem().to_string(),
        },
        node: NodeCerts {
            key_pem: key.key_pem().to_string(),
            cert_pem: cert,
            root_cert_pem: root.cert_pem().to_string(),
        },
        tokens: JoinTokens {
            worker: JoinToken::generate(&digest).to_string(),
            manager: JoinToken::generate(&digest).to_string(),
        },
    })
}

/// A fresh token with the same CA digest as `old` (token rotation).
pub fn rotate_token(old: &str) -> String {
    let digest = JoinToken::parse(old).map(|t| t.digest).unwrap_or_default();
    JoinToken::generate(&digest).to_string()
}

fn dir(swarm_dir: &Path) -> PathBuf {
    swarm_dir.join("certificates")
}

fn write_private(path: &Path, data: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    f.write_all(data.as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

pub fn save(swarm_dir: &Path, certs: &NodeCerts) -> Result<(), ManagerError> {
    let d = dir(swarm_dir);
    let io = |what, p: &Path, e| ManagerError::Io {
        what,
        path: p.display().to_string(),
        source: e,
    };
    std::fs::create_dir_all(&d).map_err(|e| io("creating", &d, e))?;
    for (name, data) in [
        ("node.key", &certs.key_pem),
        ("node.crt", &certs.cert_pem),
        ("root.crt", &certs.root_cert_pem),
    ] {
        let p = d.join(name);
        write_private(&p, data).map_err(|e| io("writing", &p, e))?;
    }
    Ok(())
}

pub fn load(swarm_dir: &Path) -> Result<NodeCerts, ManagerError> {
    let d = dir(swarm_dir);
    let read = |name: &str| {
        let p = d.join(name);
        std::fs::read_to_string(&p).map_err(|e| ManagerError::Io {
            what: "reading",
            path: p.display().to_string(),
            source: e,
        })
    };
    Ok(NodeCerts {
        key_pem: read("node.key")?,
        cert_pem: read("node.crt")?,
        root_cert_pem: read("root.crt")?,
    })
}

/// The node's key, certificate and roots as the RPC layer takes them.
pub fn node_tls(c: &NodeCerts) -> shoal_rpc::NodeTls {
    shoal_rpc::NodeTls {
        key_pem: c.key_pem.clone(),
        cert_pem: c.cert_pem.clone(),
        root_cert_pem: c.root_cert_pem.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_pki_issues_a_manager_cert_and_tokens_with_the_ca_digest() {
        let pki = create("cluster1", "node1").unwrap();
        let der = shoal_ca::cert_der_from_pem(&pki.node.cert_pem).unwrap();
        let root = shoal_ca::cert_der_from_pem(&pki.ca.cert_pem).unwrap();
        let id = shoal_ca::verify_issued(&root, &der, SystemTime::now()).unwrap();
        assert_eq!(id.node_id, "node1");
        assert_eq!(id.role, Role::Manager);
        assert_eq!(id.cluster_id, "cluster1");
        let t = JoinToken::parse(&pki.tokens.worker).unwrap();
        t.check_ca(&root).unwrap();
        assert_ne!(pki.tokens.worker, pki.tokens.manager);
        let rotated = rotate_token(&pki.tokens.worker);
        assert_ne!(rotated, pki.tokens.worker);
        JoinToken::parse(&rotated).unwrap().check_ca(&root).unwrap();
    }

    #[test]
    fn certs_round_trip_on_disk_with_a_private_key_file() {
        let dir = std::env::temp_dir().join(format!("shoal-pki-{}", std::process::id()));
        let pki = create("c", "n").unwrap();
        save(&dir, &pki.node).unwrap();
        let back = load(&dir).unwrap();
        assert_eq!(back.cert_pem, pki.node.cert_pem);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("certificates/node.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
