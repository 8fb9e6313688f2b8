//! `shoal-testbed`: the one harness of shoal's integration tests (`crates/shoal/tests`) and
//! of its bench (`crates/bench`). It starts real `shoal daemon` processes and talks to them
//! the way users do; it depends on none of shoal's crates.
//!
//! * [`client`]: the API client, blocking HTTP/1.1 over a unix socket or TCP;
//!   [`keepalive`] is its async, kept-alive form for load generation.
//! * [`daemon`]: the one daemon launcher ([`Launch`] → [`Daemon`]): data dir, socket, log,
//!   kill -9, SIGTERM, restart, optionally inside a network namespace.
//! * [`drive`]: test conveniences on a daemon (docker and shoal CLIs, asserting helpers).
//! * [`bed`]: the multi-node test bed, one network namespace per node, links that can be
//!   cut and healed, optionally a Docker Engine per node.
//! * [`prereq`]: Docker and network-namespace prerequisites; skip outside CI, fail in CI.
//! * [`procs`]: processes read from `/proc`; [`wait`]: deadline polls.

pub mod bed;
pub mod client;
pub mod daemon;
pub mod drive;
pub mod keepalive;
pub mod notice;
pub mod prereq;
pub mod procs;
pub mod wait;

pub use bed::engine::Engine;
pub use bed::swarm::{node_states, nodes_json};
pub use bed::{Node, TestBed};
pub use client::{urlencode, Api, Endpoint, Reply};
pub use daemon::{Daemon, Launch};
pub use drive::{free_port, output_text, rows, shoal_bin, TEST_IMAGE};
pub use prereq::{
    engine_available, ensure_test_image, notice, skip_without_docker, skip_without_engines,
    skip_without_netns,
};
pub use procs::count_processes;
pub use wait::wait_for;
