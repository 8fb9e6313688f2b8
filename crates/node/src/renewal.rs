//! Certificate renewal: every node renews its certificate at a random point between 50% and
//! 80% of its validity (Swarm's rule), with a fresh key. Workers ask their manager's CA over
//! mutual TLS; managers sign their own with the cluster CA.

use shoal_ca::NodeKey;
use shoal_manager::ca_server;
use shoal_manager::error::ManagerError;
use shoal_manager::manager::Manager;
use shoal_manager::pki::node_tls;
use shoal_manager::pki::{self, NodeCerts};
use shoal_rpc::{client, pb, tls};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::watch;

fn err(e: impl std::fmt::Display) -> ManagerError {
    ManagerError::Decode(format!("certificate renewal: {e}"))
}

/// When the current certificate should be renewed.
fn due(certs: &NodeCerts) -> Result<SystemTime, ManagerError> {
    let der = shoal_ca::cert_der_from_pem(&certs.cert_pem).map_err(err)?;
    let id = shoal_ca::identity_of(&der).map_err(err)?;
    Ok(shoal_ca::renewal_at(
        id.not_before,
        id.not_after,
        rand::random::<f64>(),
    ))
}

/// How a node gets a new certificate for a CSR.
pub enum Renewer {
    /// A worker: its manager's CA at this address.
    Remote(String),
    /// A manager: the cluster CA in its own state.
    Local(Arc<Manager>),
}

impl Renewer {
    async fn renew(&self, certs: &NodeCerts) -> Result<NodeCerts, ManagerError> {
        let key = NodeKey::generate().map_err(err)?;
        let csr = key.csr_pem("").map_err(err)?;
        let der = shoal_ca::cert_der_from_pem(&certs.cert_pem).map_err(err)?;
        let me = shoal_ca::identity_of(&der).map_err(err)?;
        let (cert_pem, bundle) = match self {
            Renewer::Local(m) => {
                let r = ca_server::renew(m, &me.node_id, &csr).await.map_err(err)?;
                (r.cert_pem, r.trust_bundle_pem)
            }
            Renewer::Remote(addr) => {
                let cfg = tls::client_config(&node_tls(certs)).map_err(err)?;
                let channel = client::connect(addr, cfg).await.map_err(err)?;
                let r = client::ca(channel)
                    .issue_node_certificate(pb::IssueNodeCertificateRequest {
                        csr_pem: csr,
                        ..Default::default()
                    })
                    .await
                    .map_err(|s| err(s.message()))?
                    .into_inner();
                (r.cert_pem, r.trust_bundle_pem)
            }
        };
        // The roots to trust from now on (an older manager sends none: keep ours).
        let bundle = if bundle.is_empty() {
            certs.root_cert_pem.clone()
        } else {
            bundle
        };
        let new_der = shoal_ca::cert_der_from_pem(&cert_pem).map_err(err)?;
        // The new certificate must come from a root we trusted already (the bundle itself
        // arrived over a connection authenticated by those roots).
        let known = format!("{}{}", certs.root_cert_pem, bundle);
        let Some(i) = shoal_ca::issuing_root(&known, &new_der, SystemTime::now()) else {
            return Err(err(
                "the CA answered with a certificate from an unknown root",
            ));
        };
        let root_pem = &shoal_ca::split_pem_bundle(&known)[i];
        let root = shoal_ca::cert_der_from_pem(root_pem).map_err(err)?;
        let id = shoal_ca::verify_issued(&root, &new_der, SystemTime::now()).map_err(err)?;
        key.check_cert(&new_der).map_err(err)?;
        if id.node_id != me.node_id {
            return Err(err("the CA answered with another node's certificate"));
        }
        Ok(NodeCerts {
            key_pem: key.key_pem().to_string(),
            cert_pem,
            root_cert_pem: bundle,
        })
    }

    /// Renews once now and saves the result (used by the loop, and by tests).
    pub async fn renew_now(&self, swarm_dir: &std::path::Path) -> Result<NodeCerts, ManagerError> {
        let certs = pki::load(swarm_dir)?;
        let fresh = self.renew(&certs).await?;
        pki::save(swarm_dir, &fresh)?;
        Ok(fresh)
    }
}

/// Called with the new certificates after each renewal (e.g. to reconnect with them).
pub type OnRenewed = Box<dyn Fn(&NodeCerts) + Send + Sync>;

/// Renews whenever due until `stop` fires; failures are retried every 30 s.
pub async fn run(
    swarm_dir: PathBuf,
    renewer: Renewer,
    on_renewed: OnRenewed,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let wait = pki::load(&swarm_dir)
            .and_then(|c| due(&c))
            .map(|at| at.duration_since(SystemTime::now()).unwrap_or_default())
            .unwrap_or(Duration::from_secs(30));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return,
        }
        match renewer.renew_now(&swarm_dir).await {
            Ok(certs) => {
                tracing::info!("renewed this node's certificate");
                on_renewed(&certs);
            }
            Err(e) => {
                tracing::warn!("{e}; retrying in 30 s");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(30)) => {}
                    _ = stop.changed() => return,
                }
            }
        }
    }
}
