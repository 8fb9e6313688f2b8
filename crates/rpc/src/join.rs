//! Joining, step one: fetch the cluster's root CA certificate from a manager and trust it only
//! if it matches the join token.
//!
//! Step two (not here: it is the CA service's business) sends the token and a CSR with
//! `Ca.IssueNodeCertificate` over [`crate::tls::join_client_config`] built from the root
//! returned here.

use shoal_ca::JoinToken;

use crate::pb::Empty;
use crate::{client, tls, RpcError};

/// Fetches the root CA certificate (PEM) from the manager at `addr` over an unverified
/// connection ([`tls::insecure_ca_fetch_config`]) and checks it against `token`'s digest
/// (`JoinToken::check_ca`): only a root that passes is returned. Fails with
/// `RpcError::Ca(CaError::CaDigestMismatch)` when the manager belongs to another swarm (or an
/// impostor answered).
pub async fn fetch_root_ca(addr: &str, token: &JoinToken) -> Result<String, RpcError> {
    const RPC: &str = "Ca.GetRootCaCertificate";
    let channel = client::connect(addr, tls::insecure_ca_fetch_config()?).await?;
    let answer = client::ca(channel)
        .get_root_ca_certificate(Empty {})
        .await
        .map_err(|status| RpcError::Call {
            addr: addr.to_owned(),
            rpc: RPC,
            status: Box::new(status),
        })?
        .into_inner();
    let bad = |reason: String| RpcError::BadAnswer {
        addr: addr.to_owned(),
        rpc: RPC,
        reason,
    };
    let pem = String::from_utf8(answer.cert_pem)
        .map_err(|_| bad("the certificate is not UTF-8 PEM text".into()))?;
    let der = shoal_ca::cert_der_from_pem(&pem).map_err(|e| bad(e.to_string()))?;
    token.check_ca(&der)?;
    Ok(pem)
}
