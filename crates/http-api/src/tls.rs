//! TLS for the API's `tcp://` listeners, as dockerd's `--tls` and `--tlsverify` do it: the
//! server presents a certificate and key read from PEM files and, with `--tlsverify`,
//! accepts only clients presenting a certificate that chains to a given CA.
//!
//! rustls on the `ring` provider, as `shoal-rpc`. Unlike the node-to-node TLS (TLS 1.3, h2,
//! the cluster's own root), this faces the docker CLI and other Docker API clients with
//! certificates an operator made: TLS 1.2 and 1.3 (dockerd's range) and ALPN `http/1.1`.
//!
//! Errors name the file, the daemon flag that sets it (dockerd's flags) and what to do, since
//! they end the daemon at start.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};

/// Where the TLS material is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The server's certificate, PEM, optionally followed by intermediates.
    pub cert: PathBuf,
    /// The server's private key, PEM (PKCS#8, PKCS#1 RSA or SEC1 EC), unencrypted.
    pub key: PathBuf,
    /// The CA(s) client certificates must chain to, PEM. `Some` requires a client
    /// certificate (`--tlsverify`); `None` accepts any client (`--tls`).
    pub client_ca: Option<PathBuf>,
}

/// One of the files of [`TlsFiles`]; errors say which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsFile {
    Cert,
    Key,
    ClientCa,
}

impl TlsFile {
    /// The daemon flag that names this file.
    pub fn flag(self) -> &'static str {
        match self {
            TlsFile::Cert => "--tlscert",
            TlsFile::Key => "--tlskey",
            TlsFile::ClientCa => "--tlscacert",
        }
    }
}

impl std::fmt::Display for TlsFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TlsFile::Cert => "server certificate",
            TlsFile::Key => "server private key",
            TlsFile::ClientCa => "CA certificate for client certificates",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the {file} {} ({error}): point {} at a readable PEM file", path.display(), file.flag())]
    Read {
        file: TlsFile,
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("the {file} {} is not usable: {reason}. Fix it, or point {} at the right file", path.display(), file.flag())]
    Invalid {
        file: TlsFile,
        path: PathBuf,
        reason: String,
    },
    #[error(
        "the server certificate {} and the server private key {} do not belong together: \
         --tlskey must be the key the --tlscert certificate was issued for",
        cert.display(), key.display()
    )]
    Mismatch { cert: PathBuf, key: PathBuf },
}

/// A loaded server configuration, ready for [`crate::serve`].
#[derive(Clone)]
pub struct ServerTls {
    pub(crate) config: Arc<ServerConfig>,
    verifies_clients: bool,
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls")
            .field("verifies_clients", &self.verifies_clients)
            .finish_non_exhaustive()
    }
}

impl ServerTls {
    /// Reads and checks every file; any problem fails here, not at the first connection.
    pub fn load(files: &TlsFiles) -> Result<ServerTls, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let chain = certificates(TlsFile::Cert, &files.cert)?;
        let key = private_key(&files.key, &provider)?;
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| invalid(TlsFile::Cert, &files.cert, e))?;
        let builder = match &files.client_ca {
            Some(ca) => {
                let mut roots = RootCertStore::empty();
                for cert in certificates(TlsFile::ClientCa, ca)? {
                    roots
                        .add(cert)
                        .map_err(|e| invalid(TlsFile::ClientCa, ca, e))?;
                }
                let verifier =
                    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                        .build()
                        .map_err(|e| invalid(TlsFile::ClientCa, ca, e))?;
                builder.with_client_cert_verifier(verifier)
            }
            None => builder.with_no_client_auth(),
        };
        let mut config = builder.with_single_cert(chain, key).map_err(|e| match e {
            rustls::Error::InconsistentKeys(_) => TlsError::Mismatch {
                cert: files.cert.clone(),
                key: files.key.clone(),
            },
            e => invalid(TlsFile::Cert, &files.cert, e),
        })?;
        // The API is HTTP/1.1 only; saying so keeps h2-capable clients from trying h2.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(ServerTls {
            config: Arc::new(config),
            verifies_clients: files.client_ca.is_some(),
        })
    }

    /// True when clients must present a certificate signed by the CA (`--tlsverify`).
    pub fn verifies_clients(&self) -> bool {
        self.verifies_clients
    }
}

fn read(file: TlsFile, path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|error| TlsError::Read {
        file,
        path: path.to_path_buf(),
        error,
    })
}

fn invalid(file: TlsFile, path: &Path, reason: impl ToString) -> TlsError {
    TlsError::Invalid {
        file,
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// Every "CERTIFICATE" block of the file; at least one.
fn certificates(file: TlsFile, path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = read(file, path)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(file, path, e))?;
    if certs.is_empty() {
        return Err(invalid(
            file,
            path,
            "no \"-----BEGIN CERTIFICATE-----\" block in it; expected a PEM certificate",
        ));
    }
    Ok(certs)
}

/// The private key of the file, checked by the provider (so an unsupported key type is
/// reported against the key file, not later as a handshake failure).
fn private_key(path: &Path, provider: &CryptoProvider) -> Result<PrivateKeyDer<'static>, TlsError> {
    let pem = read(TlsFile::Key, path)?;
    let key = PrivateKeyDer::from_pem_slice(&pem).map_err(|e| {
        // from_pem_slice skips blocks it does not know, so an encrypted key looks absent.
        let reason = if pem.windows(9).any(|w| w == b"ENCRYPTED") {
            "the key is encrypted, which is not supported; decrypt it with `openssl pkey -in KEY -out PLAIN_KEY`".to_string()
        } else {
            format!("{e}; expected an unencrypted PEM private key (\"-----BEGIN PRIVATE KEY-----\", RSA or EC)")
        };
        invalid(TlsFile::Key, path, reason)
    })?;
    provider
        .key_provider
        .load_private_key(key.clone_key())
        .map_err(|e| invalid(TlsFile::Key, path, e))?;
    Ok(key)
}
