//! Messages a test prints whatever libtest captures: skips, test-bed fallbacks.

/// Writes to the real stderr, past libtest's output capture, so a notice shows up in the
/// output of `cargo test` even for a passing test.
pub fn notice(msg: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{msg}");
}
