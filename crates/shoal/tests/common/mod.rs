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

/// A shell line that sends one HTTP GET to `target:port` with busybox's `nc` and prints the
/// body's last line (which task answered), for running inside a task.
pub fn nc_get(target: &str, port: u16) -> String {
    format!("printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 {target} {port} | tail -n 1")
}

/// The addresses (without prefix) of `service`'s running tasks on their first network.
pub fn task_addresses(d: &Daemon, service: &str) -> std::collections::BTreeSet<String> {
    d.running_tasks(service)
        .iter()
        .map(|t| {
            let a = t["NetworksAttachments"][0]["Addresses"][0]
                .as_str()
                .unwrap_or_default();
            a.split('/').next().unwrap_or_default().to_string()
        })
        .collect()
}
