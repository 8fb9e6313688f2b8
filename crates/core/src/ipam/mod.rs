//! The allocator: addresses for networks, services and tasks, and published port numbers,
//! decided from the state alone.
//!
//! Nothing is recorded besides the addresses on the objects themselves (a network's IPAM
//! config, a service's `Endpoint.VirtualIPs`, a task's `NetworksAttachments`): what is in use
//! is recomputed from the state, so an address is free again as soon as the object holding it
//! is removed (a task: once it has ended), and an address cannot be given twice.

pub mod addresses;
pub mod pools;
pub mod ports;

pub use addresses::{attach_new_tasks, attach_nodes, service_vips, task_networks, InUse};
pub use pools::{check_requested, next_subnet};
pub use ports::{publish, DYNAMIC_PORTS};
