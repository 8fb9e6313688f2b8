//! The raft peer network (openraft `RaftNetworkFactory` / `RaftNetworkV2`) over a
//! caller-supplied [`RaftTransport`]: this module turns openraft's RPCs into opaque byte
//! payloads and back, so the transport (gRPC in the manager) never sees an openraft type.
//!
//! # Wire format
//!
//! Every request names the node id it is meant for, and the receiver refuses a request meant
//! for another id: an address can be reused by a different node (e.g. a manager replaced on
//! the same host), which must not silently take the old member's place.
//!
//! - AppendEntries (the hot path): `[version: u8][header length: u32 LE][header JSON {target,
//!   vote, prev_log_id, leader_commit, entries: count}]` then, per entry,
//!   `[length: u32 LE][entry]` with the entry in the log file's own encoding (codec.rs: a
//!   small JSON header and the raw command bytes; serde_json would turn commands into arrays
//!   of numbers). The response is the serde_json of `AppendEntriesResponse`.
//! - Vote: the request is the serde_json of [`VoteEnvelope`]: a real election, a Pre-Vote
//!   round (see `enable_pre_vote` in config.rs) or a leadership hand-over, all over the same
//!   transport call; the response is the serde_json of openraft's answer to it.
//! - InstallSnapshot: `[version: u8][header length: u32 LE][header JSON {target, vote, meta}]
//!   [data]`,
//!   where `data` is the raw [`StateMachine::snapshot`](crate::StateMachine) bytes (not JSON,
//!   which would turn them into an array of numbers); the response is the serde_json of
//!   `SnapshotResponse`.
//!
//! The server side of all three lives in [`RaftNode`](crate::RaftNode)'s `handle_*` methods.
//! A failed call ([`TransportError`]) is reported to openraft as "unreachable": it backs off
//! and retries, so the transport needs no retry logic of its own.

use std::future::Future;
use std::sync::Arc;

use openraft::errors::RPCError;
use openraft::errors::ReplicationClosed;
use openraft::errors::StreamingError;
use openraft::errors::Unreachable;
use openraft::network::RPCOption;
use openraft::raft::AppendEntriesRequest;
use openraft::raft::AppendEntriesResponse;
use openraft::raft::SnapshotResponse;
use openraft::raft::TransferLeaderRequest;
use openraft::raft::TransferLeaderResponse;
use openraft::raft::VoteRequest;
use openraft::raft::VoteResponse;
use openraft::BasicNode;
use openraft::OptionalSend;
use openraft::RaftNetworkFactory;
use openraft::RaftNetworkV2;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde::Serialize;

use crate::codec;
use crate::types::LogId;
use crate::types::Snapshot;
use crate::types::SnapshotData;
use crate::types::SnapshotMeta;
use crate::types::TypeConfig;
use crate::types::Vote;

/// How this node reaches its peers: the caller implements it over its own RPC.
///
/// Payloads are opaque bytes produced and consumed by shoal-raft: the client side hands the
/// payload to the peer `target` at `addr` (the address it advertised when it was added), the
/// peer passes it to the matching [`RaftNode`](crate::RaftNode) `handle_*` method, and the
/// bytes that returns are this call's result.
///
/// Implementations should fail fast (connection refused, deadline exceeded, peer shut down,
/// peer answered with an error) with a [`TransportError`]; openraft retries with backoff.
/// The RPC deadline is applied by shoal-raft around each call, but a transport may add its own.
#[async_trait::async_trait]
pub trait RaftTransport: Send + Sync + 'static {
    /// Log replication and heartbeats (small and frequent).
    async fn append_entries(
        &self,
        target: u64,
        addr: &str,
        payload: Vec<u8>,
    ) -> Result<Vec<u8>, TransportError>;
    /// Leader election.
    async fn vote(
        &self,
        target: u64,
        addr: &str,
        payload: Vec<u8>,
    ) -> Result<Vec<u8>, TransportError>;
    /// A whole state-machine snapshot, for a peer too far behind the leader's log (can be
    /// large: size the transport's message limit accordingly).
    async fn install_snapshot(
        &self,
        target: u64,
        addr: &str,
        payload: Vec<u8>,
    ) -> Result<Vec<u8>, TransportError>;
}

/// A peer could not be reached or did not answer; openraft treats it as unreachable and
/// retries after a backoff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError(pub String);

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TransportError {}

/// The transport behind [`RaftNode::open`](crate::RaftNode::open): a single voter never sends
/// an RPC, and any attempt reports the peer as unreachable.
pub(crate) struct NoTransport;

#[async_trait::async_trait]
impl RaftTransport for NoTransport {
    async fn append_entries(&self, t: u64, a: &str, _: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        Err(no_transport(t, a))
    }
    async fn vote(&self, t: u64, a: &str, _: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        Err(no_transport(t, a))
    }
    async fn install_snapshot(
        &self,
        t: u64,
        a: &str,
        _: Vec<u8>,
    ) -> Result<Vec<u8>, TransportError> {
        Err(no_transport(t, a))
    }
}

fn no_transport(target: u64, addr: &str) -> TransportError {
    TransportError(format!(
        "no raft transport configured: cannot reach node {target} at {addr}"
    ))
}

/// Creates one [`PeerClient`] per replication target.
pub(crate) struct NetworkFactory {
    pub(crate) transport: Arc<dyn RaftTransport>,
}

impl RaftNetworkFactory<TypeConfig> for NetworkFactory {
    type Network = PeerClient;

    async fn new_client(&mut self, target: u64, node: &BasicNode) -> PeerClient {
        PeerClient {
            target,
            addr: node.addr.clone(),
            transport: self.transport.clone(),
        }
    }
}

/// The shortest time a peer call may take before it counts as unreachable.
const RPC_DEADLINE_FLOOR: std::time::Duration = std::time::Duration::from_millis(500);

/// A client for one peer; connects lazily through the transport on every call.
pub(crate) struct PeerClient {
    target: u64,
    addr: String,
    transport: Arc<dyn RaftTransport>,
}

impl PeerClient {
    fn unreachable(&self, what: &str, why: impl std::fmt::Display) -> Unreachable<TypeConfig> {
        Unreachable::from_string(format!(
            "raft {what} to node {} at {}: {why}",
            self.target, self.addr
        ))
    }

    /// Runs one transport call under the RPC deadline and decodes the answer.
    async fn call<Resp: DeserializeOwned>(
        &self,
        what: &str,
        option: &RPCOption,
        fut: impl Future<Output = Result<Vec<u8>, TransportError>>,
    ) -> Result<Resp, Unreachable<TypeConfig>> {
        // openraft's deadline is one heartbeat interval; on a loaded machine that gives up
        // on answers that are merely late and sends the same entries again. Wait a little
        // longer: a slow peer only delays its own replication stream.
        let deadline = option.hard_ttl().max(RPC_DEADLINE_FLOOR);
        let answer = match tokio::time::timeout(deadline, fut).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(e)) => return Err(self.unreachable(what, e)),
            Err(_) => return Err(self.unreachable(what, format!("no answer within {deadline:?}"))),
        };
        serde_json::from_slice(&answer)
            .map_err(|e| self.unreachable(what, format!("undecodable answer: {e}")))
    }
}

impl PeerClient {
    /// Elections (pre-vote and vote) and leadership hand-over share the transport's vote call.
    async fn send_vote_call<Resp: DeserializeOwned>(
        &self,
        what: &str,
        call: VoteCall,
        option: RPCOption,
    ) -> Result<Resp, RPCError<TypeConfig>> {
        let payload = serde_json::to_vec(&VoteEnvelope {
            target: self.target,
            call,
        })
        .map_err(|e| RPCError::Unreachable(self.unreachable(what, e)))?;
        let fut = self.transport.vote(self.target, &self.addr, payload);
        Ok(self.call(what, &option, fut).await?)
    }
}

const APPEND_FORMAT_V1: u8 = 1;

/// The JSON header of an AppendEntries payload: the request without its entries.
#[derive(Serialize, Deserialize)]
struct AppendHeader {
    /// The node id the sender meant to reach.
    target: u64,
    vote: Vote,
    prev_log_id: Option<LogId>,
    leader_commit: Option<LogId>,
    /// Number of entries following the header.
    entries: u64,
}

pub(crate) fn encode_append(
    target: u64,
    rpc: &AppendEntriesRequest<TypeConfig>,
) -> Result<Vec<u8>, String> {
    let header = serde_json::to_vec(&AppendHeader {
        target,
        vote: rpc.vote,
        prev_log_id: rpc.prev_log_id,
        leader_commit: rpc.leader_commit,
        entries: rpc.entries.len() as u64,
    })
    .map_err(|e| format!("encode append_entries header: {e}"))?;
    let mut out = Vec::with_capacity(64 + header.len());
    out.push(APPEND_FORMAT_V1);
    push_chunk(&mut out, &header)?;
    for entry in &rpc.entries {
        let bytes = codec::encode_entry(entry).map_err(|e| e.to_string())?;
        push_chunk(&mut out, &bytes)?;
    }
    Ok(out)
}

/// Decodes an append-entries payload into `(target, request)`.
pub(crate) fn decode_append(
    bytes: &[u8],
) -> Result<(u64, AppendEntriesRequest<TypeConfig>), String> {
    let (&version, mut rest) = bytes.split_first().ok_or("empty append_entries payload")?;
    if version != APPEND_FORMAT_V1 {
        return Err(format!("unknown append_entries payload format {version}"));
    }
    let header = take_chunk(&mut rest)?;
    let header: AppendHeader =
        serde_json::from_slice(header).map_err(|e| format!("decode append_entries header: {e}"))?;
    // Each entry takes at least its 4-byte length: bounds the allocation below.
    if header.entries > (rest.len() / 4) as u64 {
        return Err(format!(
            "append_entries payload too short for {} entries",
            header.entries
        ));
    }
    let mut entries = Vec::with_capacity(header.entries as usize);
    for _ in 0..header.entries {
        let chunk = take_chunk(&mut rest)?;
        entries.push(codec::decode_entry(chunk).map_err(|e| e.to_string())?);
    }
    if !rest.is_empty() {
        return Err(format!(
            "{} unexpected bytes after the append_entries entries",
            rest.len()
        ));
    }
    Ok((
        header.target,
        AppendEntriesRequest {
            vote: header.vote,
            prev_log_id: header.prev_log_id,
            entries,
            leader_commit: header.leader_commit,
        },
    ))
}

fn push_chunk(out: &mut Vec<u8>, chunk: &[u8]) -> Result<(), String> {
    let len =
        u32::try_from(chunk.len()).map_err(|_| format!("chunk too large: {}", chunk.len()))?;
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(chunk);
    Ok(())
}

fn take_chunk<'a>(rest: &mut &'a [u8]) -> Result<&'a [u8], String> {
    let (len, tail) = rest
        .split_first_chunk::<4>()
        .ok_or("truncated length prefix")?;
    let len = u32::from_le_bytes(*len) as usize;
    if tail.len() < len {
        return Err("truncated chunk".into());
    }
    let (chunk, tail) = tail.split_at(len);
    *rest = tail;
    Ok(chunk)
}

/// The payload of [`RaftTransport::vote`].
#[derive(Serialize, Deserialize)]
pub(crate) struct VoteEnvelope {
    /// The node id the sender meant to reach.
    pub(crate) target: u64,
    pub(crate) call: VoteCall,
}

/// What a vote-call payload asks of the receiver.
#[derive(Serialize, Deserialize)]
pub(crate) enum VoteCall {
    /// A real election.
    Vote(VoteRequest<TypeConfig>),
    /// "Would you vote for me?": changes nothing on the receiver.
    PreVote(VoteRequest<TypeConfig>),
    /// The leader hands leadership to the receiver (e.g. before leaving the voters), so the
    /// cluster does not wait out an election timeout.
    TransferLeader(TransferLeaderRequest<TypeConfig>),
}

impl RaftNetworkV2<TypeConfig> for PeerClient {
    type SnapshotData = SnapshotData;

    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<AppendEntriesResponse<TypeConfig>, RPCError<TypeConfig>> {
        let payload = encode_append(self.target, &rpc)
            .map_err(|e| RPCError::Unreachable(self.unreachable("append_entries", e)))?;
        let fut = self
            .transport
            .append_entries(self.target, &self.addr, payload);
        Ok(self.call("append_entries", &option, fut).await?)
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<VoteResponse<TypeConfig>, RPCError<TypeConfig>> {
        self.send_vote_call("vote", VoteCall::Vote(rpc), option)
            .await
    }

    async fn pre_vote(
        &mut self,
        rpc: VoteRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<VoteResponse<TypeConfig>, RPCError<TypeConfig>> {
        self.send_vote_call("pre_vote", VoteCall::PreVote(rpc), option)
            .await
    }

    async fn transfer_leader(
        &mut self,
        req: TransferLeaderRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<TransferLeaderResponse<TypeConfig>, RPCError<TypeConfig>> {
        self.send_vote_call("transfer_leader", VoteCall::TransferLeader(req), option)
            .await
    }

    async fn full_snapshot(
        &mut self,
        vote: Vote,
        snapshot: Snapshot,
        cancel: impl Future<Output = ReplicationClosed> + OptionalSend + 'static,
        _option: RPCOption,
    ) -> Result<SnapshotResponse<TypeConfig>, StreamingError<TypeConfig>> {
        let payload = encode_snapshot(self.target, &vote, &snapshot)
            .map_err(|e| StreamingError::Unreachable(self.unreachable("install_snapshot", e)))?;
        // No per-call deadline: a large snapshot may legitimately take long. The transport
        // bounds connection failures; replication being closed cancels the transfer.
        let transfer = self
            .transport
            .install_snapshot(self.target, &self.addr, payload);
        tokio::select! {
            closed = cancel => Err(StreamingError::Closed(closed)),
            answer = transfer => {
                let answer = answer.map_err(|e| {
                    StreamingError::Unreachable(self.unreachable("install_snapshot", e))
                })?;
                serde_json::from_slice(&answer).map_err(|e| {
                    StreamingError::Unreachable(
                        self.unreachable("install_snapshot", format!("undecodable answer: {e}")),
                    )
                })
            }
        }
    }
}

const SNAPSHOT_FORMAT_V1: u8 = 1;

#[derive(Serialize, Deserialize)]
struct SnapshotHeader {
    target: u64,
    vote: Vote,
    meta: SnapshotMeta,
}

pub(crate) fn encode_snapshot(
    target: u64,
    vote: &Vote,
    snapshot: &Snapshot,
) -> Result<Vec<u8>, String> {
    let header = serde_json::to_vec(&SnapshotHeader {
        target,
        vote: *vote,
        meta: snapshot.meta.clone(),
    })
    .map_err(|e| format!("encode snapshot header: {e}"))?;
    let header_len = u32::try_from(header.len()).map_err(|_| "snapshot header too large")?;
    let mut out = Vec::with_capacity(5 + header.len() + snapshot.snapshot.len());
    out.push(SNAPSHOT_FORMAT_V1);
    out.extend_from_slice(&header_len.to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&snapshot.snapshot);
    Ok(out)
}

/// Decodes an install-snapshot payload into `(target, vote, snapshot)`.
pub(crate) fn decode_snapshot(bytes: &[u8]) -> Result<(u64, Vote, Snapshot), String> {
    let (&version, rest) = bytes.split_first().ok_or("empty snapshot payload")?;
    if version != SNAPSHOT_FORMAT_V1 {
        return Err(format!("unknown snapshot payload format {version}"));
    }
    let (len, rest) = rest
        .split_first_chunk::<4>()
        .ok_or("truncated snapshot header length")?;
    let len = u32::from_le_bytes(*len) as usize;
    if rest.len() < len {
        return Err("truncated snapshot header".into());
    }
    let (header, data) = rest.split_at(len);
    let header: SnapshotHeader =
        serde_json::from_slice(header).map_err(|e| format!("decode snapshot header: {e}"))?;
    Ok((
        header.target,
        header.vote,
        Snapshot {
            meta: header.meta,
            snapshot: data.to_vec(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use openraft::impls::leader_id_adv::LeaderId;
    use openraft::BasicNode;

    use super::*;
    use crate::types::Command;
    use crate::types::Entry;
    use crate::types::Membership;
    use crate::types::StoredMembership;

    #[test]
    fn snapshot_payload_round_trips_with_raw_data() {
        let log_id = LogId {
            leader_id: LeaderId {
                term: 3,
                node_id: 2,
            },
            index: 42,
        };
        let members = BTreeMap::from([(2, BasicNode::new("10.0.0.2:4242"))]);
        let membership = Membership::new(vec![[2].into()], members).expect("membership");
        let snapshot = Snapshot {
            meta: SnapshotMeta {
                last_log_id: Some(log_id),
                last_membership: StoredMembership::new(Some(log_id), membership),
            },
            snapshot: vec![0, 255, b'{', 7],
        };
        let vote = Vote::new_committed(3, 2);
        let bytes = encode_snapshot(5, &vote, &snapshot).expect("encode");
        assert!(bytes.ends_with(&[0, 255, b'{', 7]), "data is stored raw");
        let (target, decoded_vote, decoded) = decode_snapshot(&bytes).expect("decode");
        assert_eq!(target, 5);
        assert_eq!(decoded_vote, vote);
        assert_eq!(decoded.meta, snapshot.meta);
        assert_eq!(decoded.snapshot, snapshot.snapshot);

        assert!(decode_snapshot(&[]).is_err());
        assert!(decode_snapshot(&[9, 0, 0, 0, 0]).is_err());
        assert!(decode_snapshot(&bytes[..8]).is_err());
    }

    #[test]
    fn append_payload_round_trips_with_raw_commands() {
        let log_id = |index| LogId {
            leader_id: LeaderId {
                term: 3,
                node_id: 2,
            },
            index,
        };
        let rpc = AppendEntriesRequest::<TypeConfig> {
            vote: Vote::new_committed(3, 2),
            prev_log_id: Some(log_id(4)),
            entries: vec![
                Entry {
                    log_id: log_id(5),
                    payload: openraft::EntryPayload::Normal(Command(vec![0, 255, 1])),
                },
                Entry {
                    log_id: log_id(6),
                    payload: openraft::EntryPayload::Blank,
                },
            ],
            leader_commit: Some(log_id(5)),
        };
        let bytes = encode_append(7, &rpc).expect("encode");
        let (target, decoded) = decode_append(&bytes).expect("decode");
        assert_eq!(target, 7);
        assert_eq!(decoded.vote, rpc.vote);
        assert_eq!(decoded.prev_log_id, rpc.prev_log_id);
        assert_eq!(decoded.leader_commit, rpc.leader_commit);
        assert_eq!(decoded.entries, rpc.entries);

        let heartbeat = AppendEntriesRequest::<TypeConfig> {
            entries: Vec::new(),
            ..rpc
        };
        let (_, decoded) = decode_append(&encode_append(1, &heartbeat).unwrap()).unwrap();
        assert!(decoded.entries.is_empty());

        assert!(decode_append(&[]).is_err());
        assert!(decode_append(&bytes[..bytes.len() - 1]).is_err());
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(decode_append(&extra).is_err());
    }
}
