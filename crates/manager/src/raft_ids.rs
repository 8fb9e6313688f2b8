//! Raft member ids: derived from node ids, so any manager maps a node to its raft member
//! without a lookup table.

/// A manager's raft id, derived from its node id (so any manager can map one to the other).
pub fn raft_id_of(node_id: &str) -> u64 {
    node_id
        .chars()
        .take(12)
        .fold(0u64, |acc, c| {
            acc.wrapping_mul(36)
                .wrapping_add(c.to_digit(36).unwrap_or(0) as u64)
        })
        .max(2)
}
