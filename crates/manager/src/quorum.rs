//! Quorum arithmetic for role changes: what may be removed from the raft voters, and what
//! `swarm leave` on a manager must warn about. Pure; the callers count the managers.

/// Managers as the leader sees them: reachable ones (heartbeating) and unreachable ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManagerCount {
    pub reachable: usize,
    pub unreachable: usize,
}

impl ManagerCount {
    pub fn total(self) -> usize {
        self.reachable + self.unreachable
    }

    /// Whether removing one voter (reachable or not) still leaves a reachable majority of
    /// the smaller voter set, so the cluster keeps a leader through and after the change.
    pub fn can_remove(self, target_reachable: bool) -> bool {
        let total = self.total();
        if total <= 1 {
            return false;
        }
        let after = total - 1;
        let reachable_after = self.reachable - usize::from(target_reachable);
        reachable_after > after / 2
    }

    /// Docker's rule for `swarm leave` without `--force` on a manager (daemon/cluster):
    /// leaving loses quorum when `reachable - 2 <= unreachable`.
    pub fn leaving_loses_quorum(self) -> bool {
        self.reachable as isize - 2 <= self.unreachable as isize
    }

    pub fn is_last(self) -> bool {
        self.reachable == 1 && self.unreachable == 0
    }
}

const LEAVE_PREFIX: &str =
    "You are attempting to leave the swarm on a node that is participating as a manager. ";

/// The refusal of `swarm leave` (no `--force`) on a manager, or None when leaving is safe.
pub fn leave_refusal(count: ManagerCount) -> Option<String> {
    if !count.leaving_loses_quorum() {
        return None;
    }
    if count.is_last() {
        return Some(format!(
            "{LEAVE_PREFIX}Removing the last manager erases all current state of the swarm. Use `--force` to ignore this message."
        ));
    }
    Some(format!(
        "{LEAVE_PREFIX}Removing this node leaves {} managers out of {}. Without a Raft quorum your swarm will be inaccessible. The only way to restore a swarm that has lost consensus is to reinitialize it with `--force-new-cluster`. Use `--force` to suppress this message.",
        count.reachable - 1,
        count.total()
    ))
}

/// Docker's refusal of a demotion that would cost the raft its quorum.
pub const DEMOTE_LOSES_QUORUM: &str =
    "can't remove member from the raft: this would result in a loss of quorum";

#[cfg(test)]
mod tests {
    use super::*;

    fn c(reachable: usize, unreachable: usize) -> ManagerCount {
        ManagerCount {
            reachable,
            unreachable,
        }
    }

    #[test]
    fn removal_keeps_a_reachable_majority() {
        assert!(c(3, 0).can_remove(true), "3 -> 2, both up");
        assert!(c(2, 1).can_remove(false), "dropping the dead one of 3");
        assert!(!c(2, 1).can_remove(true), "3 -> 2 with one dead: 1 of 2");
        assert!(c(2, 0).can_remove(true), "2 -> 1");
        assert!(!c(1, 0).can_remove(true), "never the last voter");
        assert!(c(4, 1).can_remove(true), "5 -> 4 with 3 up");
        assert!(!c(3, 2).can_remove(true), "5 -> 4 with 2 up");
    }

    #[test]
    fn leave_messages_follow_dockers_rule() {
        assert!(leave_refusal(c(1, 0)).unwrap().contains("the last manager"));
        let m = leave_refusal(c(2, 1)).unwrap();
        assert!(m.contains("leaves 1 managers out of 3"), "{m}");
        assert!(leave_refusal(c(2, 0))
            .unwrap()
            .contains("leaves 1 managers out of 2"));
        assert_eq!(leave_refusal(c(3, 0)), None, "3 up: one may leave");
        assert_eq!(leave_refusal(c(4, 1)), None);
    }
}
