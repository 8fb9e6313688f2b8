//! The cluster's root CA: a self-signed certificate and its key, which sign node certificates.
//!
//! As in Swarm, the root key is created by `swarm init` and replicated to managers (through raft),
//! so any manager can sign; workers only ever hold the certificate.

use std::fmt;
use std::time::{Duration, SystemTime};

use rcgen::{
    BasicConstraints, CertificateParams, CertificateSigningRequestParams, DistinguishedName,
    DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyUsagePurpose, SanType, SerialNumber,
    PKCS_ECDSA_P256_SHA256,
};
use rustls_pki_types::{CertificateDer, CertificateSigningRequestDer};
use zeroize::Zeroizing;

use crate::keys::Key;
use crate::times::to_x509;
use crate::x509::{check_valid_at, is_ca, parse, pem_cert, validity};
use crate::{digest_of, names, pem_text, verify_issued, CaError, NodeIdentity, Role};

/// Common name of the root certificate (Swarm: `swarm-ca`).
pub const ROOT_CN: &str = "shoal-ca";
/// Lifetime of a new root certificate: 20 years, as Swarm.
pub const ROOT_VALIDITY: Duration = Duration::from_secs(20 * 365 * 24 * 3600);
/// Default lifetime of node certificates: 90 days, as Swarm.
pub const DEFAULT_NODE_CERT_VALIDITY: Duration = Duration::from_secs(90 * 24 * 3600);
/// How far before `now` certificates start being valid, so a node whose clock is a little
/// behind the issuer's still accepts them (Swarm backdates by the same hour).
pub const CERT_BACKDATE: Duration = Duration::from_secs(3600);

/// The root CA: certificate and signing key.
///
/// Not `Clone` on purpose: share one with `Arc` rather than multiplying copies of the key.
pub struct RootCa {
    cert_der: Vec<u8>,
    cert_pem: String,
    /// Wiped on drop; parsed into a signing key only for the duration of [`RootCa::issue`].
    key_pem: Zeroizing<String>,
    not_after: SystemTime,
}

impl fmt::Debug for RootCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RootCa")
            .field("digest", &self.digest())
            .field("key", &"[elided]")
            .finish()
    }
}

impl RootCa {
    /// A new self-signed root: CN `shoal-ca`, valid [`ROOT_VALIDITY`] from `now` (backdated by
    /// [`CERT_BACKDATE`]), CA:true with keyCertSign and cRLSign, ECDSA P-256.
    pub fn generate(now: SystemTime) -> Result<RootCa, CaError> {
        let key = Key::generate("generating the root CA key")?;
        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, ROOT_CN);
        // No path length limit: a later root rotation cross-signs the new root with the old
        // one, which makes the old root the issuer of a CA.
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.not_before = to_x509(backdate(now))?;
        params.not_after = to_x509(later(now, ROOT_VALIDITY)?)?;
        params.serial_number = Some(random_serial());
        let cert = params
            .self_signed(&*key)
            .map_err(|e| CaError::crypto("self-signing the root CA certificate", e))?;
        Self::assemble(cert.der().to_vec(), key.to_pem())
    }

    /// Loads a root CA from its certificate and unencrypted PKCS#8 key, checking that the
    /// certificate is a self-signed CA and that the key is its key.
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<RootCa, CaError> {
        let cert_der = pem_cert("root CA certificate", cert_pem)?;
        let key = Key::from_pem("root CA", key_pem)?;
        {
            let cert = parse("root CA", &cert_der)?;
            if !is_ca(&cert)? {
                return Err(CaError::cert(
                    "root CA",
                    "it is not a CA certificate (basic constraints CA:true missing)",
                ));
            }
            if cert.verify_signature(None).is_err() {
                return Err(CaError::cert(
                    "root CA",
                    "it is not self-signed (shoal needs the root, not an intermediate)",
                ));
            }
            if cert.public_key().subject_public_key.data.as_ref() != key.public_key_raw() {
                return Err(CaError::KeyMismatch { what: "root CA" });
            }
        }
        Self::assemble(cert_der, key.to_pem())
    }

    fn assemble(cert_der: Vec<u8>, key_pem: Zeroizing<String>) -> Result<RootCa, CaError> {
        let (_, not_after) = validity(&parse("root CA", &cert_der)?);
        Ok(RootCa {
            cert_pem: pem_text::encode(pem_text::CERTIFICATE, &cert_der),
            cert_der,
            key_pem,
            not_after,
        })
    }

    /// The root certificate, PEM (what nodes store and trust).
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The root key, PKCS#8 PEM. Only managers may hold it.
    pub fn key_pem(&self) -> &str {
        &self.key_pem
    }

    /// The root certificate, DER (what rustls' root store takes).
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The digest of the root certificate as written in join tokens: see [`digest_of`].
    pub fn digest(&self) -> String {
        digest_of(&self.cert_der)
    }

    /// Signs a node certificate for the key in `csr_pem`.
    ///
    /// The subject comes from the CA, never from the CSR: CN = `node_id`, OU = `role`,
    /// O = `cluster_id`. The CSR only contributes its public key, and must be signed by it
    /// (proof that the requester holds the private key). The certificate is valid from `now`
    /// minus [`CERT_BACKDATE`] for `validity` (capped at the root's own expiry), carries the
    /// clientAuth and serverAuth EKUs (every node is both a TLS client and server), and has DNS
    /// SANs for the role (`shoal-manager` / `shoal-worker`) and `node_id`, plus `sans` (IP
    /// addresses or DNS names) so managers can also be dialled by address.
    ///
    /// Returns the certificate alone, PEM; peers need the root certificate separately.
    #[allow(clippy::too_many_arguments)] // mirrors the fields of the certificate one to one
    pub fn issue(
        &self,
        csr_pem: &str,
        node_id: &str,
        role: Role,
        cluster_id: &str,
        sans: &[String],
        now: SystemTime,
        validity: Duration,
    ) -> Result<String, CaError> {
        names::check_node_id(node_id)?;
        names::check_cluster_id(cluster_id)?;
        let csr = parse_csr(csr_pem)?;

        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, node_id);
        params
            .distinguished_name
            .push(DnType::OrganizationalUnitName, role.ou());
        params
            .distinguished_name
            .push(DnType::OrganizationName, cluster_id);
        params.subject_alt_names = subject_alt_names(role, node_id, sans)?;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        params.use_authority_key_identifier_extension = true;
        params.serial_number = Some(random_serial());

        if validity.is_zero() {
            return Err(CaError::InvalidValidity {
                reason: "the requested validity is zero".into(),
            });
        }
        // A node certificate cannot usefully outlive the root that vouches for it.
        let not_after = later(now, validity)?.min(self.not_after);
        if not_after <= now {
            return Err(CaError::InvalidValidity {
                reason: "the root CA expires before the certificate would start; rotate the root"
                    .into(),
            });
        }
        params.not_before = to_x509(backdate(now))?;
        params.not_after = to_x509(not_after)?;

        let key = Key::from_pem("root CA", &self.key_pem)?;
        let issuer =
            Issuer::from_ca_cert_der(&CertificateDer::from(self.cert_der.as_slice()), &*key)
                .map_err(|e| CaError::cert("root CA", e.to_string()))?;
        let cert = params
            .signed_by(&csr.public_key, &issuer)
            .map_err(|e| CaError::crypto("signing a node certificate", e))?;
        Ok(pem_text::encode(pem_text::CERTIFICATE, cert.der()))
    }

    /// [`verify_issued`] against this root.
    pub fn verify(&self, cert_der: &[u8], now: SystemTime) -> Result<NodeIdentity, CaError> {
        verify_issued(&self.cert_der, cert_der, now)
    }

    /// Whether the root itself is valid at `now` (it lasts 20 years, but an imported one may not).
    pub fn check_valid_at(&self, now: SystemTime) -> Result<(), CaError> {
        check_valid_at("root CA", &parse("root CA", &self.cert_der)?, now)
    }
}

/// Decodes a CSR, verifies its self-signature and requires a P-256 key.
fn parse_csr(csr_pem: &str) -> Result<CertificateSigningRequestParams, CaError> {
    let der = pem_text::decode("certificate signing request", pem_text::CSR, csr_pem)?;
    let csr = CertificateSigningRequestParams::from_der(&CertificateSigningRequestDer::from(
        der.as_slice(),
    ))
    .map_err(|e| match e {
        rcgen::Error::InvalidCertificationRequestSignature => CaError::CsrSignature,
        rcgen::Error::UnsupportedExtension => CaError::InvalidCsr {
            reason:
                "it requests extensions shoal does not support; create it with NodeKey::csr_pem"
                    .into(),
        },
        other => CaError::InvalidCsr {
            reason: other.to_string(),
        },
    })?;
    if csr.public_key.algorithm() != &PKCS_ECDSA_P256_SHA256 {
        return Err(CaError::InvalidCsr {
            reason: format!(
                "its key is {:?}; node keys must be ECDSA P-256",
                csr.public_key.algorithm()
            ),
        });
    }
    Ok(csr)
}

/// Role and node id first (what peers dial by), then the caller's names, without duplicates.
fn subject_alt_names(role: Role, node_id: &str, extra: &[String]) -> Result<Vec<SanType>, CaError> {
    let mut out: Vec<SanType> = Vec::with_capacity(2 + extra.len());
    for name in [role.ou(), node_id]
        .into_iter()
        .chain(extra.iter().map(String::as_str))
    {
        let san = names::san(name)?;
        if !out.contains(&san) {
            out.push(san);
        }
    }
    Ok(out)
}

/// A random positive 128-bit serial: serials must be unique per issuer, and renewing with the
/// same key must not repeat one (rcgen's default derives it from the public key).
fn random_serial() -> SerialNumber {
    let mut bytes = rand::random::<u128>().to_be_bytes();
    // Top bit clear keeps the DER INTEGER positive; the next bit set keeps it 16 bytes long.
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    SerialNumber::from_slice(&bytes)
}

/// `now - CERT_BACKDATE`, or `now` if that would underflow the platform's clock type.
fn backdate(now: SystemTime) -> SystemTime {
    now.checked_sub(CERT_BACKDATE).unwrap_or(now)
}

/// `now + d`, refusing an overflow.
fn later(now: SystemTime, d: Duration) -> Result<SystemTime, CaError> {
    now.checked_add(d).ok_or_else(|| CaError::InvalidValidity {
        reason: format!("a validity of {}s is too long", d.as_secs()),
    })
}
