//! Encryption at rest of the raft log entries and snapshot data with the data key (DEK,
//! [`RaftConfig::data_key`](crate::RaftConfig::data_key)).
//!
//! Why: log entries and snapshots hold the whole cluster state, secrets included, so a copy of
//! a manager's disk (a backup, a stolen volume) must not reveal them. The manager keeps the DEK
//! sealed by the swarm's unlock key when autolock is on; this module only uses it.
//!
//! Record format: `[MAGIC][nonce: 12][ciphertext][tag: 16]`, ChaCha20-Poly1305 (`ring::aead`)
//! with a fresh random 96-bit nonce per record from the system RNG. Each record's additional
//! authenticated data names where it lives ([`Slot`]): a log entry is bound to its index and a
//! snapshot's data to the exact stored meta bytes, so rows cannot be swapped, or meta edited,
//! without the tag check failing.
//!
//! Records that do not start with [`MAGIC`] are plaintext, written without a key. Without a key
//! they are read as they are, and a sealed one fails clearly ("encrypted but no data key").
//! With a key, a plaintext record is refused: the stores seal every plaintext row left from
//! before the key was set when they are first opened with it (log_store.rs, snapshot_store.rs),
//! so a plaintext row next to sealed ones can only have been planted, e.g. to inject a command.
//! The magic byte cannot clash with a plaintext log entry, whose first byte is the codec's
//! format version (codec.rs: versions count up from 1, and a compile-time check there keeps
//! them away from `MAGIC`). Snapshot data is opaque application bytes, so the snapshot store
//! does not rely on the magic byte: it keeps sealed data under its own row.
//!
//! Not covered: which entries exist (indexes, row sizes) and the metadata rows (vote, committed
//! and purged log ids, node id, snapshot meta with the membership) stay readable; the tags do
//! not stop an attacker with write access from rolling a row back to an older sealed version of
//! the same slot. Random 96-bit nonces stay safe up to about 2^32 records per key, far more
//! than one manager's log ever holds.

use std::borrow::Cow;
use std::fmt;
use std::io;
use std::sync::Arc;

use ring::aead::Aad;
use ring::aead::LessSafeKey;
use ring::aead::Nonce;
use ring::aead::UnboundKey;
use ring::aead::CHACHA20_POLY1305;
use ring::aead::NONCE_LEN;
use ring::rand::SecureRandom;
use ring::rand::SystemRandom;

/// First byte of a sealed record. Anything from 0x80 up is far from the small, counting-up
/// format versions that start a plaintext log entry; 0xEC reads as "encrypted, ChaCha20".
/// Another algorithm or layout would get another magic byte.
pub(crate) const MAGIC: u8 = 0xEC;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = 1 + NONCE_LEN;

/// Where a record is stored; bound into its tag as additional authenticated data.
#[derive(Clone, Copy)]
pub(crate) enum Slot<'a> {
    /// The log entry at this index.
    LogEntry(u64),
    /// A snapshot's data, stored next to these (plaintext) meta bytes.
    SnapshotData { meta: &'a [u8] },
    /// The log file's record proving which key the log is sealed with.
    KeyCheck,
}

impl Slot<'_> {
    /// Runs `f` with this slot's additional data.
    fn with_aad<T>(&self, f: impl FnOnce(Aad<&[u8]>) -> T) -> T {
        const LOG_ENTRY: &[u8] = b"shoal-raft log entry ";
        match *self {
            Slot::LogEntry(index) => {
                let mut aad = [0u8; LOG_ENTRY.len() + 8];
                aad[..LOG_ENTRY.len()].copy_from_slice(LOG_ENTRY);
                aad[LOG_ENTRY.len()..].copy_from_slice(&index.to_be_bytes());
                f(Aad::from(&aad[..]))
            }
            Slot::SnapshotData { meta } => {
                let aad = [b"shoal-raft snapshot data ".as_slice(), meta].concat();
                f(Aad::from(&aad[..]))
            }
            Slot::KeyCheck => f(Aad::from(b"shoal-raft data key check".as_slice())),
        }
    }
}

impl fmt::Display for Slot<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Slot::LogEntry(index) => write!(f, "raft log entry {index}"),
            Slot::SnapshotData { .. } => f.write_str("raft snapshot data"),
            Slot::KeyCheck => f.write_str("raft log data key check"),
        }
    }
}

/// Seals and opens records with the data key, or passes them through when there is none.
/// Cheap to clone.
#[derive(Clone)]
pub(crate) struct Cipher {
    key: Option<Arc<LessSafeKey>>,
    rng: SystemRandom,
}

impl Cipher {
    pub(crate) fn new(key: Option<&[u8; 32]>) -> Cipher {
        let key = key.map(|key| {
            let key = UnboundKey::new(&CHACHA20_POLY1305, key)
                .expect("a 32-byte key is valid for ChaCha20-Poly1305");
            Arc::new(LessSafeKey::new(key))
        });
        Cipher {
            key,
            rng: SystemRandom::new(),
        }
    }

    pub(crate) fn is_enabled(&self) -> bool {
        self.key.is_some()
    }

    /// Replaces `buf` with the record for the plaintext that `write` appends to the buffer it
    /// is given: sealed in place when there is a key, the plaintext itself otherwise. `buf`
    /// can be reused from record to record, so sealing allocates nothing once it is big enough.
    pub(crate) fn seal_into(
        &self,
        slot: Slot<'_>,
        buf: &mut Vec<u8>,
        write: impl FnOnce(&mut Vec<u8>) -> io::Result<()>,
    ) -> io::Result<()> {
        buf.clear();
        let Some(key) = &self.key else {
            return write(buf);
        };
        let mut nonce = [0u8; NONCE_LEN];
        self.rng
            .fill(&mut nonce)
            .map_err(|_| io::Error::other(format!("seal {slot}: no system randomness")))?;
        buf.push(MAGIC);
        buf.extend_from_slice(&nonce);
        write(buf)?;
        let tag = slot
            .with_aad(|aad| {
                key.seal_in_place_separate_tag(
                    Nonce::assume_unique_for_key(nonce),
                    aad,
                    &mut buf[HEADER_LEN..],
                )
            })
            .map_err(|_| io::Error::other(format!("seal {slot}: record too large")))?;
        buf.extend_from_slice(tag.as_ref());
        Ok(())
    }

    /// The record for `plaintext`, see [`Cipher::seal_into`].
    pub(crate) fn seal(&self, slot: Slot<'_>, plaintext: &[u8]) -> io::Result<Vec<u8>> {
        let mut buf = Vec::with_capacity(HEADER_LEN + plaintext.len() + TAG_LEN);
        self.seal_into(slot, &mut buf, |buf| {
            buf.extend_from_slice(plaintext);
            Ok(())
        })?;
        Ok(buf)
    }

    /// The plaintext of a stored record: without a key, the record itself (borrowed); with a
    /// key, the decrypted record. Fails (`InvalidData`) on a sealed record without a key, and
    /// with a key on a plaintext record, or a sealed one from another key or slot or with any
    /// byte changed.
    pub(crate) fn open<'r>(&self, slot: Slot<'_>, record: &'r [u8]) -> io::Result<Cow<'r, [u8]>> {
        let Some(key) = &self.key else {
            if is_sealed(record) {
                return Err(sealed_without_key(slot));
            }
            return Ok(Cow::Borrowed(record));
        };
        if !is_sealed(record) {
            return Err(plaintext_with_key(slot));
        }
        let undecryptable = || {
            invalid(format!(
                "cannot decrypt {slot}: wrong data key or corrupted file"
            ))
        };
        if record.len() < HEADER_LEN + TAG_LEN {
            return Err(undecryptable());
        }
        let nonce: [u8; NONCE_LEN] = record[1..HEADER_LEN].try_into().expect("nonce length");
        let mut plain = record[HEADER_LEN..].to_vec();
        let len = slot
            .with_aad(|aad| {
                key.open_in_place(Nonce::assume_unique_for_key(nonce), aad, &mut plain)
                    .map(|p| p.len())
            })
            .map_err(|_| undecryptable())?;
        plain.truncate(len);
        Ok(Cow::Owned(plain))
    }
}

/// Whether a stored record is sealed (rather than plaintext from before encryption).
pub(crate) fn is_sealed(record: &[u8]) -> bool {
    record.first() == Some(&MAGIC)
}

/// The error for a sealed record when no key is configured.
pub(crate) fn sealed_without_key(slot: Slot<'_>) -> io::Error {
    invalid(format!(
        "{slot} is encrypted but no raft data key is configured"
    ))
}

/// The error for a plaintext record when a key is configured.
pub(crate) fn plaintext_with_key(slot: Slot<'_>) -> io::Error {
    invalid(format!(
        "{slot} is not encrypted although a raft data key is configured: corrupted file"
    ))
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];
    const SECRET: &[u8] = b"very-secret-value-123";

    fn cipher() -> Cipher {
        Cipher::new(Some(&KEY))
    }

    fn open_err(cipher: &Cipher, slot: Slot<'_>, record: &[u8]) -> String {
        let err = cipher.open(slot, record).expect_err("must not open");
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        err.to_string()
    }

    #[test]
    fn round_trips_and_hides_the_plaintext() {
        let cipher = cipher();
        for plaintext in [SECRET, b"", &[MAGIC; 100]] {
            let record = cipher.seal(Slot::LogEntry(3), plaintext).unwrap();
            assert_eq!(record.len(), HEADER_LEN + plaintext.len() + TAG_LEN);
            assert!(is_sealed(&record));
            let opened = cipher.open(Slot::LogEntry(3), &record).unwrap();
            assert!(matches!(opened, Cow::Owned(_)));
            assert_eq!(&*opened, plaintext);
        }
        let record = cipher.seal(Slot::LogEntry(3), SECRET).unwrap();
        assert!(!record.windows(SECRET.len()).any(|w| w == SECRET));
        let again = cipher.seal(Slot::LogEntry(3), SECRET).unwrap();
        assert_ne!(record, again, "every record gets a fresh nonce");
    }

    #[test]
    fn seal_into_reuses_the_buffer() {
        let cipher = cipher();
        let mut buf = b"leftovers from the previous record".to_vec();
        cipher
            .seal_into(Slot::LogEntry(1), &mut buf, |b| {
                b.extend_from_slice(SECRET);
                Ok(())
            })
            .unwrap();
        assert_eq!(&*cipher.open(Slot::LogEntry(1), &buf).unwrap(), SECRET);
    }

    #[test]
    fn wrong_key_fails_clearly() {
        let record = cipher().seal(Slot::LogEntry(42), SECRET).unwrap();
        let msg = open_err(&Cipher::new(Some(&[8; 32])), Slot::LogEntry(42), &record);
        assert_eq!(
            msg,
            "cannot decrypt raft log entry 42: wrong data key or corrupted file"
        );
        let msg = open_err(&Cipher::new(None), Slot::LogEntry(42), &record);
        assert!(msg.contains("no raft data key is configured"), "{msg}");
    }

    #[test]
    fn any_tampered_byte_fails() {
        let cipher = cipher();
        let record = cipher.seal(Slot::LogEntry(1), SECRET).unwrap();
        for i in 0..record.len() {
            let mut bad = record.clone();
            bad[i] ^= 0x01;
            let msg = open_err(&cipher, Slot::LogEntry(1), &bad);
            assert!(msg.contains("corrupted file"), "{msg}");
        }
        open_err(
            &cipher,
            Slot::LogEntry(1),
            &record[..HEADER_LEN + TAG_LEN - 1],
        );
        open_err(&cipher, Slot::LogEntry(1), &record[..record.len() - 1]);
    }

    #[test]
    fn records_are_bound_to_their_slot() {
        let cipher = cipher();
        let entry = cipher.seal(Slot::LogEntry(5), SECRET).unwrap();
        open_err(&cipher, Slot::LogEntry(6), &entry);
        open_err(&cipher, Slot::KeyCheck, &entry);
        open_err(&cipher, Slot::SnapshotData { meta: b"{}" }, &entry);

        let data = cipher
            .seal(Slot::SnapshotData { meta: b"{\"a\":1}" }, SECRET)
            .unwrap();
        let opened = cipher
            .open(Slot::SnapshotData { meta: b"{\"a\":1}" }, &data)
            .unwrap();
        assert_eq!(&*opened, SECRET);
        let msg = open_err(&cipher, Slot::SnapshotData { meta: b"{\"a\":2}" }, &data);
        assert_eq!(
            msg,
            "cannot decrypt raft snapshot data: wrong data key or corrupted file"
        );
    }

    #[test]
    fn plaintext_passes_through_without_a_key() {
        let cipher = Cipher::new(None);
        let record = [1, 2, 3];
        let opened = cipher.open(Slot::LogEntry(1), &record).unwrap();
        assert!(matches!(opened, Cow::Borrowed(_)));
        assert_eq!(&*opened, &record);
        assert_eq!(&*cipher.open(Slot::LogEntry(1), &[]).unwrap(), b"");
        let plain = cipher.seal(Slot::LogEntry(1), SECRET).unwrap();
        assert_eq!(plain, SECRET, "no key: stored as is");
    }

    #[test]
    fn plaintext_is_refused_with_a_key() {
        // With a key every stored row is sealed (plaintext ones are sealed on the first open
        // with the key), so a plaintext row was planted.
        let msg = open_err(&cipher(), Slot::LogEntry(4), &[1, 2, 3]);
        assert_eq!(
            msg,
            "raft log entry 4 is not encrypted although a raft data key is configured: \
             corrupted file"
        );
    }
}
