//! Prerequisites of tests: a Docker Engine, network namespaces, engines per node, the
//! busybox test image.
//!
//! The rule, in one place: a test whose prerequisite is missing skips with a printed reason
//! on a developer's machine, and fails loudly when `CI=true` (or `CI=1`), saying what is
//! missing and how to provide it, so a CI runner without Docker cannot pass by testing
//! nothing.

pub use crate::notice::notice;
use std::path::Path;
use std::process::{Command, Stdio};

/// Whether the tests run in CI (`CI=true` or `CI=1`, as CI services set it).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// A missing prerequisite: a panic in CI, else a notice; true (skip) when it returns.
pub fn missing(test: &str, what: &str, how: &str) -> bool {
    if in_ci() {
        panic!(
            "{test} needs {what}, which is missing on this machine, and CI is set, so it may \
             not skip: {how}"
        );
    }
    notice(&format!(
        "SKIPPED {test}: needs {what} ({how}); nothing was tested"
    ));
    true
}

/// True when the machine's Docker Engine answers (`docker version` from the CLI).
pub fn engine_available() -> bool {
    Command::new("docker")
        .args(["version", "--format", "{{.Server.Version}}"])
        .env_remove("DOCKER_HOST")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// For tests that need the Docker Engine: true when they must skip (outside CI only).
pub fn skip_without_docker(test: &str) -> bool {
    !engine_available()
        && missing(
            test,
            "a Docker Engine answering `docker version`",
            "install Docker Engine and the docker CLI (e.g. `apt-get install docker.io`), \
             start it (`systemctl start docker` or `dockerd &`) and run the tests as a user \
             allowed on /var/run/docker.sock",
        )
}

/// For tests that need to cut links: true when they must skip (outside CI only).
pub fn skip_without_netns(test: &str) -> bool {
    !crate::bed::netns_available()
        && missing(
            test,
            "network namespaces to cut links",
            "run the tests as root with iproute2 installed (`apt-get install iproute2`; \
             `ip netns add x` must work) and SHOAL_TESTBED_NETNS unset",
        )
}

/// For tests of the data plane (nftables rules, bridges, sysctls): true when they must skip
/// (outside CI only). Needs root and the `nft` tool.
pub fn skip_without_nftables(test: &str) -> bool {
    let root = unsafe { libc::geteuid() } == 0;
    let nft = Command::new("nft")
        .args(["list", "tables"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    !(root && nft)
        && missing(
            test,
            "root and nftables to program the data plane",
            "run the tests as root with the nftables package installed (`apt-get install \
             nftables`; `nft list tables` must work)",
        )
}

/// For tests on a bed whose nodes have engines of their own: true when they must skip
/// (outside CI only). Needs network namespaces, `dockerd`, `nsenter` and `unshare`, and the
/// machine's engine (the test image is copied from it).
pub fn skip_without_engines(test: &str) -> bool {
    if skip_without_netns(test) || skip_without_docker(test) {
        return true;
    }
    match crate::bed::engine::engine_tools_available() {
        Ok(()) => false,
        Err(e) => missing(
            test,
            "dockerd, nsenter and unshare to start an engine per node",
            &format!(
                "{e}: install Docker Engine (`apt-get install docker.io`, which brings dockerd \
                 and containerd) and util-linux (nsenter, unshare)"
            ),
        ),
    }
}

/// Builds the busybox test image if missing (no registry is reachable here); panics when
/// that fails.
pub fn ensure_test_image() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/build-test-image.sh");
    let st = Command::new("bash")
        .arg(&script)
        .env_remove("DOCKER_HOST")
        .status()
        .unwrap_or_else(|e| panic!("running {}: {e}", script.display()));
    assert!(
        st.success(),
        "building the test image failed: run `bash scripts/build-test-image.sh` for details"
    );
}
