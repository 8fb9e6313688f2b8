//! Root CA rotation (`swarm ca --rotate`) without downtime, in three phases driven by the
//! leader from what every node reports in `Node.Description.TLSInfo`:
//!
//! 1. trust: a new root is created; nodes are told to trust both roots (the bundle) and renew
//!    their certificate (still from the old root) so that they save the bundle;
//! 2. issue: once every live node trusts both, certificates come from the new root and nodes
//!    renew again;
//! 3. finish: once every live node holds a certificate from the new root, the new root
//!    replaces the old one (join tokens get its digest) and nodes drop the old one.
//!
//! Nodes learn what they should trust and which root signs from their session (workers) or
//! from the replicated state (managers), and renew whenever their certificates disagree.
//! Down nodes are not waited for: they must rejoin if they come back after the rotation.
//! Joining a node while a rotation is in its second phase may fail (the joining node only
//! trusts the root named by its token); retry after the rotation.

use crate::ca_roots::{root_of, trust_bundle};
use crate::control::ControlError;
use crate::manager::Manager;
use crate::pki::NodeCerts;
use base64::Engine;
use shoal_api::{JoinTokens, NodeState, TlsInfo};
use shoal_ca::token::JoinToken;
use shoal_ca::{issuing_root, root_info, RootCa};
use shoal_store::{CaRecord, Op, State};
use std::time::SystemTime;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `TLSInfo` of a root certificate (PEM): its subject and public key.
pub fn root_tls_info(root_pem: &str) -> TlsInfo {
    let info = shoal_ca::cert_der_from_pem(root_pem)
        .ok()
        .and_then(|der| root_info(&der).ok());
    TlsInfo {
        trust_root: root_pem.to_string(),
        cert_issuer_subject: info
            .as_ref()
            .map(|i| b64(&i.subject_der))
            .unwrap_or_default(),
        cert_issuer_public_key: info.map(|i| b64(&i.public_key_der)).unwrap_or_default(),
    }
}

/// What a node reports: the roots it trusts and the root that issued its certificate.
pub fn tls_info_of(certs: &NodeCerts) -> TlsInfo {
    let bundle = &certs.root_cert_pem;
    let issuer = shoal_ca::cert_der_from_pem(&certs.cert_pem)
        .ok()
        .and_then(|leaf| issuing_root(bundle, &leaf, SystemTime::now()))
        .and_then(|i| shoal_ca::split_pem_bundle(bundle).into_iter().nth(i));
    let issuer = issuer.map(|pem| root_tls_info(&pem)).unwrap_or_default();
    TlsInfo {
        trust_root: bundle.clone(),
        ..issuer
    }
}

/// Whether a node holding `certs` must renew to follow the swarm's `bundle` and `signing`
/// root (both PEM).
pub fn must_renew(certs: &NodeCerts, bundle: &str, signing: &str) -> bool {
    if bundle.is_empty() || signing.is_empty() {
        return false;
    }
    let mine = tls_info_of(certs);
    mine.trust_root != bundle
        || mine.cert_issuer_public_key != root_tls_info(signing).cert_issuer_public_key
}

/// The ops that start a rotation, if none is running (a running one carries on).
pub fn start_ops(st: &State) -> Result<Vec<Op>, ControlError> {
    if st.ca_rotation.is_some() {
        return Ok(Vec::new());
    }
    let root = RootCa::generate(SystemTime::now())
        .map_err(|e| ControlError::Internal(format!("creating the new root CA: {e}")))?;
    Ok(vec![Op::StartCaRotation(Box::new(CaRecord {
        cert_pem: root.cert_pem().to_string(),
        key_pem: root.key_pem().to_string(),
    }))])
}

/// The leader's next step of a rotation, from what the live nodes report. Pure.
pub fn next_step(st: &State) -> Option<Op> {
    let r = st.ca_rotation.as_ref()?;
    let bundle = trust_bundle(st);
    let mut live = st
        .nodes
        .values()
        .filter(|n| n.status.state != NodeState::Down);
    if !r.issuing {
        return live
            .all(|n| n.description.tls_info.trust_root == bundle)
            .then_some(Op::CaRotationIssue);
    }
    let new_key = root_tls_info(&r.next.cert_pem).cert_issuer_public_key;
    if !live.all(|n| n.description.tls_info.cert_issuer_public_key == new_key) {
        return None;
    }
    let digest = root_of(&r.next).ok()?.digest();
    let retoken = |old: &str| {
        let secret = JoinToken::parse(old).ok()?.secret;
        Some(
            JoinToken {
                digest: digest.clone(),
                secret,
            }
            .to_string(),
        )
    };
    let tokens = st.cluster.as_ref()?.join_tokens.clone();
    Some(Op::FinishCaRotation {
        tokens: JoinTokens {
            worker: retoken(&tokens.worker)?,
            manager: retoken(&tokens.manager)?,
        },
        tls_info: root_tls_info(&r.next.cert_pem),
    })
}

/// Leader only: moves a rotation on whenever the nodes' reports allow it.
pub async fn leader_loop(
    manager: std::sync::Arc<Manager>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut changes = manager.store.subscribe();
    loop {
        if *stop.borrow() {
            return;
        }
        if manager.proposer.is_ready_leader() {
            let step = next_step(&manager.read());
            if let Some(op) = step {
                match manager.propose(vec![op]).await {
                    Ok(_) => tracing::info!("CA rotation: next phase"),
                    Err(e) => tracing::warn!("CA rotation: {e}"),
                }
            }
        }
        tokio::select! {
            _ = changes.changed() => {}
            _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
            _ = stop.changed() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ca_roots::signing_root;
    use shoal_api::{Cluster, Node, NodeStatus};

    fn root() -> CaRecord {
        let r = RootCa::generate(SystemTime::now()).unwrap();
        CaRecord {
            cert_pem: r.cert_pem().to_string(),
            key_pem: r.key_pem().to_string(),
        }
    }

    fn node(id: &str, state: NodeState, tls: TlsInfo) -> Node {
        let mut n = Node {
            id: id.into(),
            status: NodeStatus {
                state,
                ..Default::default()
            },
            ..Default::default()
        };
        n.description.tls_info = tls;
        n
    }

    #[test]
    fn phases_wait_for_every_live_node() {
        let old = root();
        let digest = root_of(&old).unwrap().digest();
        let mut st = State {
            ca: Some(old.clone()),
            cluster: Some(Cluster {
                join_tokens: JoinTokens {
                    worker: JoinToken::generate(&digest).to_string(),
                    manager: JoinToken::generate(&digest).to_string(),
                },
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(next_step(&st), None, "no rotation");
        let next = root();
        st.ca_rotation = Some(shoal_store::CaRotation {
            next: next.clone(),
            issuing: false,
        });
        let bundle = trust_bundle(&st);
        assert!(bundle.starts_with(&next.cert_pem) && bundle.ends_with(&old.cert_pem));
        assert_eq!(signing_root(&st), Some(&old));
        let trusts = |b: &str| TlsInfo {
            trust_root: b.to_string(),
            ..Default::default()
        };
        st.nodes
            .insert("a".into(), node("a", NodeState::Ready, trusts(&bundle)));
        st.nodes.insert(
            "b".into(),
            node("b", NodeState::Ready, trusts(&old.cert_pem)),
        );
        st.nodes
            .insert("c".into(), node("c", NodeState::Down, TlsInfo::default()));
        assert_eq!(next_step(&st), None, "b does not trust the bundle yet");
        st.nodes.get_mut("b").unwrap().description.tls_info = trusts(&bundle);
        assert_eq!(next_step(&st), Some(Op::CaRotationIssue), "c is down");
        st.ca_rotation.as_mut().unwrap().issuing = true;
        assert_eq!(signing_root(&st), Some(&next));
        let from_new = TlsInfo {
            trust_root: bundle.clone(),
            ..root_tls_info(&next.cert_pem)
        };
        st.nodes.get_mut("a").unwrap().description.tls_info = from_new.clone();
        assert_eq!(next_step(&st), None, "b still has an old certificate");
        st.nodes.get_mut("b").unwrap().description.tls_info = from_new;
        match next_step(&st) {
            Some(Op::FinishCaRotation { tokens, tls_info }) => {
                assert_eq!(tls_info.trust_root, next.cert_pem);
                let new_digest = root_of(&next).unwrap().digest();
                let old_tokens = &st.cluster.as_ref().unwrap().join_tokens;
                for (new, old) in [
                    (&tokens.worker, &old_tokens.worker),
                    (&tokens.manager, &old_tokens.manager),
                ] {
                    let (n, o) = (
                        JoinToken::parse(new).unwrap(),
                        JoinToken::parse(old).unwrap(),
                    );
                    assert_eq!(n.digest, new_digest);
                    assert_eq!(n.secret, o.secret, "the secrets stay");
                }
            }
            other => panic!("{other:?}"),
        }
    }
}
