//! Test support: the shared harness (`shoal-testbed`) for this crate's integration tests,
//! plus the path cargo gives them to the `shoal` binary under test (the harness finds the
//! same binary by itself, see [`shoal_testbed::shoal_bin`]).

#![allow(dead_code, unused_imports)]

pub use shoal_testbed::{
    engine_available, ensure_test_image, free_port, output_text, rows, skip_without_docker,
    urlencode, wait_for, Daemon, TEST_IMAGE,
};

pub mod testbed {
    //! The network-namespace test bed.
    pub use shoal_testbed::{
        node_states, nodes_json, skip_without_engines, skip_without_netns, Engine, TestBed,
    };
}

pub const SHOAL: &str = env!("CARGO_BIN_EXE_shoal");
