//! What the results were measured on: date, CPUs, memory, kernel, engine and CLI versions,
//! for the report's header.

use shoal_testbed::client::Api;
use std::process::Command;

/// The trimmed stdout of a command, or "?".
pub fn command_line(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "?".into())
}

/// Header lines describing the machine and the engine.
pub fn describe(engine: &Api) -> Vec<String> {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "?".into());
    let ncpu = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .next()
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_string())
        })
        .and_then(|kb| kb.parse::<u64>().ok())
        .map(|kb| format!("{:.1} GB", kb as f64 / 1024.0 / 1024.0))
        .unwrap_or_else(|| "?".into());
    let engine_version = engine
        .get_json("/version")
        .map(|v| {
            format!(
                "{} (API {})",
                v["Version"].as_str().unwrap_or("?"),
                v["ApiVersion"].as_str().unwrap_or("?")
            )
        })
        .unwrap_or_else(|e| format!("unreachable: {e}"));
    vec![
        format!(
            "Date: {}",
            command_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"])
        ),
        format!(
            "Machine: {ncpu} CPUs ({cpu}), {mem} RAM, Linux {}",
            command_line("uname", &["-r"])
        ),
        format!(
            "Docker Engine {engine_version}; docker CLI {}",
            command_line("docker", &["version", "--format", "{{.Client.Version}}"])
        ),
    ]
}
