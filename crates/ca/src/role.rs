//! A node's role in the swarm, as written in its certificate.
//!
//! The role lives in the subject's OU (Swarm uses `swarm-manager` / `swarm-worker`), and is also
//! added as a DNS subject-alternative name. That second copy is what lets a node dial "any
//! manager" with the TLS server name `shoal-manager`, without managers' certificates having to
//! list every address they can be reached at (Swarm dials with `swarm-manager` the same way).

use std::fmt;

/// OU (and DNS SAN) of manager certificates; also the TLS server name for dialling a manager.
pub const MANAGER_OU: &str = "shoal-manager";
/// OU (and DNS SAN) of worker certificates.
pub const WORKER_OU: &str = "shoal-worker";

/// Which kind of node a certificate was issued to; the RPC layer authorises calls by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Runs raft, the control API and the CA; may call every RPC.
    Manager,
    /// Runs tasks; may only call the dispatcher and the node CA.
    Worker,
}

impl Role {
    /// The OU string written in certificates for this role.
    pub fn ou(self) -> &'static str {
        match self {
            Role::Manager => MANAGER_OU,
            Role::Worker => WORKER_OU,
        }
    }

    /// The role an OU string stands for, if any.
    pub fn from_ou(ou: &str) -> Option<Role> {
        match ou {
            MANAGER_OU => Some(Role::Manager),
            WORKER_OU => Some(Role::Worker),
            _ => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.ou())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ou_round_trips() {
        for role in [Role::Manager, Role::Worker] {
            assert_eq!(Role::from_ou(role.ou()), Some(role));
        }
        assert_eq!(Role::from_ou("swarm-manager"), None);
    }
}
