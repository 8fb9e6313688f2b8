//! On-disk encoding of log entries and metadata values.
//!
//! Metadata (vote, log ids, snapshot meta) is small and stored as JSON. A log entry is stored
//! as a JSON header followed by the raw command bytes: serde_json would turn the opaque
//! `Vec<u8>` command into a JSON array of numbers, roughly 3-4x its size, on the hot path.
//!
//! Entry layout: `[version: u8][header length: u32 LE][header JSON][command bytes]`. With a data
//! key the whole encoded entry is then sealed (seal.rs); the version byte is what tells a
//! plaintext row from a sealed one, so it must never equal `seal::MAGIC`.

use std::io;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde::Serialize;

use crate::types::Command;
use crate::types::Entry;
use crate::types::LogId;
use crate::types::Membership;

const ENTRY_FORMAT_V1: u8 = 1;
// A stored row starting with the seal magic byte is read as encrypted (seal.rs), so no entry
// format version may ever take that value.
const _: () = assert!(ENTRY_FORMAT_V1 != crate::seal::MAGIC);
const PREFIX_LEN: usize = 1 + 4;

#[derive(Serialize, Deserialize)]
struct EntryHeader {
    log_id: LogId,
    payload: PayloadKind,
}

#[derive(Serialize, Deserialize)]
enum PayloadKind {
    Blank,
    /// The command bytes follow the header.
    Normal,
    Membership(Membership),
}

pub(crate) fn encode_entry(entry: &Entry) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    encode_entry_into(entry, &mut out)?;
    Ok(out)
}

/// Appends the encoded entry to `out` (which may already hold a record header, see seal.rs),
/// without intermediate buffers.
pub(crate) fn encode_entry_into(entry: &Entry, out: &mut Vec<u8>) -> io::Result<()> {
    use openraft::EntryPayload;
    let (payload, command): (PayloadKind, &[u8]) = match &entry.payload {
        EntryPayload::Blank => (PayloadKind::Blank, &[]),
        EntryPayload::Normal(Command(bytes)) => (PayloadKind::Normal, bytes),
        EntryPayload::Membership(m) => (PayloadKind::Membership(m.clone()), &[]),
    };
    let header = EntryHeader {
        log_id: entry.log_id,
        payload,
    };
    // The header is small; reserve a typical size plus the command up front.
    out.reserve(PREFIX_LEN + 96 + command.len());
    out.push(ENTRY_FORMAT_V1);
    let len_at = out.len();
    out.extend_from_slice(&[0; 4]);
    serde_json::to_writer(&mut *out, &header).map_err(|e| invalid(format!("encode: {e}")))?;
    let header_len = out.len() - len_at - 4;
    let header_len = u32::try_from(header_len)
        .map_err(|_| invalid(format!("entry header too large: {header_len} bytes")))?;
    out[len_at..len_at + 4].copy_from_slice(&header_len.to_le_bytes());
    out.extend_from_slice(command);
    Ok(())
}

pub(crate) fn decode_entry(bytes: &[u8]) -> io::Result<Entry> {
    use openraft::EntryPayload;
    let (header, command) = split(bytes)?;
    let header: EntryHeader = from_json(header)?;
    let payload = match header.payload {
        PayloadKind::Blank => EntryPayload::Blank,
        PayloadKind::Normal => EntryPayload::Normal(Command(command.to_vec())),
        PayloadKind::Membership(m) => EntryPayload::Membership(m),
    };
    Ok(Entry {
        log_id: header.log_id,
        payload,
    })
}

/// Decodes only the log id, for log-state queries that do not need the payload.
pub(crate) fn decode_log_id(bytes: &[u8]) -> io::Result<LogId> {
    let (header, _) = split(bytes)?;
    let header: EntryHeader = from_json(header)?;
    Ok(header.log_id)
}

fn split(bytes: &[u8]) -> io::Result<(&[u8], &[u8])> {
    let (&version, rest) = bytes
        .split_first()
        .ok_or_else(|| invalid("empty log entry"))?;
    if version != ENTRY_FORMAT_V1 {
        return Err(invalid(format!("unknown log entry format {version}")));
    }
    let (len, rest) = rest
        .split_first_chunk::<4>()
        .ok_or_else(|| invalid("truncated log entry header length"))?;
    let len = u32::from_le_bytes(*len) as usize;
    if rest.len() < len {
        return Err(invalid("truncated log entry header"));
    }
    Ok(rest.split_at(len))
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> io::Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| invalid(format!("encode: {e}")))
}

pub(crate) fn from_json<T: DeserializeOwned>(bytes: &[u8]) -> io::Result<T> {
    serde_json::from_slice(bytes).map_err(|e| invalid(format!("decode: {e}")))
}

fn invalid(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use openraft::impls::leader_id_adv::LeaderId;
    use openraft::BasicNode;
    use openraft::EntryPayload;

    use super::*;

    fn log_id(term: u64, index: u64) -> LogId {
        LogId {
            leader_id: LeaderId { term, node_id: 7 },
            index,
        }
    }

    #[test]
    fn round_trips_every_payload_kind() {
        let members = BTreeMap::from([(7, BasicNode::new("10.0.0.7:4242"))]);
        let entries = [
            Entry {
                log_id: log_id(1, 0),
                payload: EntryPayload::Membership(
                    Membership::new(vec![[7].into()], members).expect("valid membership"),
                ),
            },
            Entry {
                log_id: log_id(2, 1),
                payload: EntryPayload::Blank,
            },
            Entry {
                log_id: log_id(2, 2),
                payload: EntryPayload::Normal(Command(b"{\"raw\":[0,255]}".to_vec())),
            },
            Entry {
                log_id: log_id(2, 3),
                payload: EntryPayload::Normal(Command(Vec::new())),
            },
        ];
        for entry in entries {
            let bytes = encode_entry(&entry).expect("encode");
            assert!(!crate::seal::is_sealed(&bytes));
            assert_eq!(decode_entry(&bytes).expect("decode"), entry);
            assert_eq!(decode_log_id(&bytes).expect("log id"), entry.log_id);
        }
    }

    #[test]
    fn rejects_corrupt_rows() {
        assert!(decode_entry(&[]).is_err());
        assert!(decode_entry(&[9, 0, 0, 0, 0]).is_err());
        assert!(decode_entry(&[ENTRY_FORMAT_V1, 10, 0, 0, 0, b'{']).is_err());
    }
}
