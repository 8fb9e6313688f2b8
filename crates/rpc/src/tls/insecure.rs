//! The one unverified connection: fetching the root CA certificate before joining.
//!
//! **Danger.** A connection made with [`insecure_ca_fetch_config`] authenticates nobody: anyone
//! on the path can answer it. It is safe for exactly one thing, the way Swarm does it: call
//! `Ca.GetRootCaCertificate`, then trust the answer only if
//! `shoal_ca::JoinToken::check_ca` accepts it (the token carries the root's digest, so an
//! impostor would need a root with the same SHA-256). Never send the join token, or anything
//! else, over it; [`crate::join::fetch_root_ca`] does the whole dance.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};

use super::{config_error, provider, ALPN_H2, VERSIONS};
use crate::RpcError;

/// A client configuration that accepts **any** server certificate. ONLY for fetching the root
/// CA before joining, followed by `JoinToken::check_ca` on what was fetched: see the module
/// docs. No client certificate. ALPN `h2`.
pub fn insecure_ca_fetch_config() -> Result<ClientConfig, RpcError> {
    let provider = provider();
    let mut config = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(VERSIONS)
        .map_err(config_error("protocol versions"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAnyServerCert { provider }))
        .with_no_client_auth();
    config.alpn_protocols = vec![ALPN_H2.to_vec()];
    Ok(config)
}

/// Accepts any certificate chain and name. Still checks the handshake signature against the
/// presented certificate, so the connection is at least with the holder of that certificate's
/// key (not that it matters much: the certificate itself is unverified).
#[derive(Debug)]
struct AcceptAnyServerCert {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for AcceptAnyServerCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
