//! Encryption at rest and autolock. Every manager encrypts its raft log and snapshots with
//! its own random data key (DEK), kept in `swarm/raft/dek.json`. With autolock off the DEK
//! is stored as is; with autolock on it is sealed with the swarm's unlock key (the KEK,
//! `SWMKEY-1-<base64>`), so a stopped manager's disk reveals nothing and the manager cannot
//! start until `swarm unlock` gives the key back. Each manager follows the replicated
//! autolock setting and key by resealing its own DEK file.

use base64::Engine;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

const KEY_PREFIX: &str = "SWMKEY-1-";
const AAD: &[u8] = b"shoal raft data key";

/// Docker's words for a manager that needs its unlock key.
pub const LOCKED: &str = "Swarm is encrypted and needs to be unlocked before it can be used. Please use \"docker swarm unlock\" to unlock it.";
pub const INVALID_KEY: &str = "swarm could not be unlocked: invalid key provided";
pub const NOT_LOCKED: &str = "swarm is not locked";

#[derive(Debug, thiserror::Error)]
pub enum AutolockError {
    #[error("{LOCKED}")]
    Locked,
    #[error("{INVALID_KEY}")]
    InvalidKey,
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: String,
        source: std::io::Error,
    },
}

/// The managers' unlock key: 32 random bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct UnlockKey([u8; 32]);

impl std::fmt::Debug for UnlockKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UnlockKey(<redacted>)")
    }
}

impl UnlockKey {
    pub fn generate() -> UnlockKey {
        UnlockKey(random())
    }

    /// Parses `SWMKEY-1-<base64>`; anything else is an invalid key.
    pub fn parse(text: &str) -> Result<UnlockKey, AutolockError> {
        let body = text
            .trim()
            .strip_prefix(KEY_PREFIX)
            .ok_or(AutolockError::InvalidKey)?;
        let raw = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(body.trim_end_matches('='))
            .map_err(|_| AutolockError::InvalidKey)?;
        let bytes: [u8; 32] = raw.try_into().map_err(|_| AutolockError::InvalidKey)?;
        Ok(UnlockKey(bytes))
    }

    pub fn text(&self) -> String {
        format!(
            "{KEY_PREFIX}{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(self.0)
        )
    }

    fn aead(&self) -> LessSafeKey {
        LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, &self.0).expect("32-byte key"))
    }
}

fn random<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    SystemRandom::new()
        .fill(&mut out)
        .expect("the system's random source");
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// `dek.json`: exactly one of the two fields is set.
#[derive(Default, Serialize, Deserialize)]
struct DekFile {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    dek: String,
    /// nonce || ciphertext+tag, sealed with the unlock key.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    sealed_dek: String,
}

pub fn dek_path(raft_dir: &Path) -> PathBuf {
    raft_dir.join("dek.json")
}

fn io<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> AutolockError + 'a {
    move |source| AutolockError::Io {
        what,
        path: path.display().to_string(),
        source,
    }
}

fn read(path: &Path) -> Result<Option<DekFile>, AutolockError> {
    match std::fs::read(path) {
        Ok(raw) => serde_json::from_slice(&raw).map(Some).map_err(|e| {
            io("decoding", path)(std::io::Error::new(std::io::ErrorKind::InvalidData, e))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io("reading", path)(e)),
    }
}

/// Whether the DEK in `raft_dir` is sealed (the manager starts locked).
pub fn is_sealed(raft_dir: &Path) -> bool {
    matches!(read(&dek_path(raft_dir)), Ok(Some(f)) if !f.sealed_dek.is_empty())
}

/// The DEK of the raft in `raft_dir`; a new one (stored unsealed) if there is none yet.
pub fn load_dek(raft_dir: &Path, key: Option<&UnlockKey>) -> Result<[u8; 32], AutolockError> {
    let path = dek_path(raft_dir);
    let Some(file) = read(&path)? else {
        let dek = random::<32>();
        store_dek(raft_dir, &dek, None)?;
        return Ok(dek);
    };
    let bad = || AutolockError::InvalidKey;
    if !file.sealed_dek.is_empty() {
        let key = key.ok_or(AutolockError::Locked)?;
        let mut sealed = unhex(&file.sealed_dek).ok_or_else(bad)?;
        if sealed.len() < NONCE_LEN {
            return Err(bad());
        }
        let body = sealed.split_off(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(&sealed).map_err(|_| bad())?;
        let mut body = body;
        let plain = key
            .aead()
            .open_in_place(nonce, Aad::from(AAD), &mut body)
            .map_err(|_| bad())?;
        return plain.try_into().map_err(|_| bad());
    }
    let raw = unhex(&file.dek).ok_or_else(bad)?;
    raw.try_into().map_err(|_| bad())
}

/// Stores the DEK, sealed with `key` when given (atomically replacing the file).
pub fn store_dek(
    raft_dir: &Path,
    dek: &[u8; 32],
    key: Option<&UnlockKey>,
) -> Result<(), AutolockError> {
    std::fs::create_dir_all(raft_dir).map_err(io("creating", raft_dir))?;
    let file = match key {
        None => DekFile {
            dek: hex(dek),
            ..Default::default()
        },
        Some(key) => {
            let nonce = random::<NONCE_LEN>();
            let mut body = dek.to_vec();
            key.aead()
                .seal_in_place_append_tag(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::from(AAD),
                    &mut body,
                )
                .expect("sealing 32 bytes");
            let mut sealed = nonce.to_vec();
            sealed.extend_from_slice(&body);
            DekFile {
                sealed_dek: hex(&sealed),
                ..Default::default()
            }
        }
    };
    let path = dek_path(raft_dir);
    let raw = serde_json::to_vec(&file).unwrap_or_default();
    crate::fs::write_atomic(&path, &raw).map_err(io("writing", &path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_print_and_parse_like_swarms() {
        let k = UnlockKey::generate();
        let text = k.text();
        assert!(
            text.starts_with("SWMKEY-1-") && text.len() == 9 + 43,
            "{text}"
        );
        assert_eq!(UnlockKey::parse(&format!(" {text}\n")).unwrap(), k);
        for bad in [
            "",
            "SWMKEY-1-",
            "SWMKEY-2-abc",
            "SWMKEY-1-!!!!",
            "SWMTKN-1-abc",
        ] {
            assert!(matches!(
                UnlockKey::parse(bad),
                Err(AutolockError::InvalidKey)
            ));
        }
    }

    #[test]
    fn a_sealed_dek_needs_the_right_key() {
        let dir = tempfile::tempdir().unwrap();
        let dek = load_dek(dir.path(), None).unwrap();
        assert_eq!(load_dek(dir.path(), None).unwrap(), dek, "stable");
        assert!(!is_sealed(dir.path()));
        let key = UnlockKey::generate();
        store_dek(dir.path(), &dek, Some(&key)).unwrap();
        assert!(is_sealed(dir.path()));
        let raw = std::fs::read_to_string(dek_path(dir.path())).unwrap();
        assert!(!raw.contains(&hex(&dek)), "the DEK is not on disk in clear");
        assert!(matches!(
            load_dek(dir.path(), None),
            Err(AutolockError::Locked)
        ));
        assert!(matches!(
            load_dek(dir.path(), Some(&UnlockKey::generate())),
            Err(AutolockError::InvalidKey)
        ));
        assert_eq!(load_dek(dir.path(), Some(&key)).unwrap(), dek);
        store_dek(dir.path(), &dek, None).unwrap();
        assert_eq!(load_dek(dir.path(), None).unwrap(), dek, "unsealed again");
    }
}
