//! Service discovery: the per-node DNS resolver that the node's tasks ask.
//!
//! - [`names`] decides, from the networking view alone, which names a task may see and
//!   what they answer (pure, unit-tested).
//! - [`server::Resolver`] serves them over UDP and TCP on the addresses the node chooses
//!   and relays every other question to the node's upstream resolvers ([`upstream`]).
//!
//! # Names (Docker Swarm's rules)
//!
//! The asker is known by its source address: its networks are the view's networks whose
//! subnet holds that address (`ingress` excluded: it has no service discovery in Swarm
//! either) and, when the address is one of a task's, every network of that task (a task
//! asks through one gateway but sees, as in Swarm, the services of all its networks). Only
//! services on those networks are visible; a service is on a network if it
//! has a VIP or a task address there. Names are case-insensitive, with or without the
//! trailing dot:
//!
//! - `<service>`: endpoint mode `vip` → the service's VIP on that network; `dnsrr` → the
//!   address of every task that takes traffic (a `vip` service without a VIP on the network
//!   answers like `dnsrr`);
//! - `tasks.<service>` → the address of every task that takes traffic;
//! - a task's name (`web.1.<task id>`) → its address;
//! - stack short names: the view carries no labels, so a service whose name contains `_`
//!   (`<stack>_<service>`, as stacks name them) is also known by the part after the first
//!   `_` (`web`, `tasks.web`), as Swarm's network alias for stack services. A full service
//!   name wins over another service's short name; equal short names go to the service whose
//!   full name sorts first.
//!
//! When several of the asker's networks know a name, the network with the smallest ID
//! answers. A name of the swarm with no address (`tasks.web` with no task) is NXDOMAIN.
//! Answers are A records with TTL [`server::SWARM_TTL`] (600 s, as Docker), rotated on each
//! answer; AAAA and other types for a swarm name get an empty NOERROR. Every other name,
//! including a service on a network the asker is not on, is forwarded upstream (as Docker
//! does), and a question no upstream answers in time gets SERVFAIL.
//!
//! # Listeners
//!
//! The resolver listens on explicit addresses, not a wildcard, so that replies leave from
//! the address asked and port 53 stays free for the host's own resolver. The node adds a
//! listener on a network's gateway address (port 53) once that address is on its bridge
//! ([`server::Resolver::add_listener`]) and removes it when the bridge goes
//! ([`server::Resolver::remove_listener`]); the asker's source address is then its address
//! on that network. Upstream answers are relayed byte for byte over the asker's transport
//! (UDP or TCP); an upstream equal to one of our listeners is skipped.
//! [`server::Resolver::remove_listener`] returns once the sockets are closed, so the same
//! address can be served again right after (a bridge recreated).
//!
//! How questions get here: a process task's resolv.conf names its network's gateway; a
//! container gets the gateway as `HostConfig.Dns`, and Docker's embedded resolver
//! (127.0.0.11 on user-defined networks) forwards what it does not know from inside the
//! container's namespace, so the source is still the container's address.

pub mod names;
pub mod server;
pub mod upstream;

pub use names::{answer, Answer, Table};
pub use server::{Resolver, SWARM_TTL, UPSTREAM_TIMEOUT};
pub use upstream::{host_upstreams, parse_resolv_conf};
