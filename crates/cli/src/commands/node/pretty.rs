//! `node inspect --pretty`: docker's human-readable node summary.

use crate::commands::display::capitalize_first;
use serde_json::Value;
use shoal_api::{Node, Timestamp};
use shoal_gocompat::units::bytes_size;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Go's `time.Time.String()` for a UTC time:
/// `2024-01-02 15:04:05.123456789 +0000 UTC` (fraction without trailing
/// zeros).
pub fn go_time_string(t: Timestamp) -> String {
    let rfc = t.to_rfc3339();
    let rfc = rfc.trim_end_matches('Z');
    let (date, time) = rfc.split_once('T').unwrap_or((rfc, ""));
    let time = match time.split_once('.') {
        Some((hms, frac)) => {
            let frac = frac.trim_end_matches('0');
            if frac.is_empty() {
                hms.to_string()
            } else {
                format!("{hms}.{frac}")
            }
        }
        None => time.to_string(),
    };
    format!("{date} {time} +0000 UTC")
}

fn word<T: serde::Serialize>(v: &T) -> String {
    capitalize_first(
        serde_json::to_value(v)
            .ok()
            .as_ref()
            .and_then(Value::as_str)
            .unwrap_or_default(),
    )
}

pub fn render(n: &Node) -> String {
    let mut o = String::new();
    let _ = write!(o, "ID:\t\t\t{}", n.id);
    if !n.spec.name.is_empty() {
        let _ = write!(o, "\nName:\t\t\t{}", n.spec.name);
    }
    labels(&mut o, "Labels", &n.spec.labels);
    let _ = write!(
        o,
        "\nHostname:              \t{}\nJoined at:             \t{}\nStatus:\n State:\t\t\t{}",
        n.description.hostname,
        capitalize_first(&go_time_string(n.created_at)),
        word(&n.status.state)
    );
    if !n.status.message.is_empty() {
        let _ = write!(
            o,
            "\n Message:              \t{}",
            capitalize_first(&n.status.message)
        );
    }
    let _ = write!(
        o,
        "\n Availability:         \t{}",
        word(&n.spec.availability)
    );
    if !n.status.addr.is_empty() {
        let _ = write!(o, "\n Address:\t\t{}", n.status.addr);
    }
    if let Some(m) = &n.manager_status {
        let reach = capitalize_first(&m.reachability);
        let _ = write!(
            o,
            "\nManager Status:\n Address:\t\t{}\n Raft Status:\t\t{reach}\n Leader:\t\t{}",
            m.addr,
            if m.leader { "Yes" } else { "No" }
        );
    }
    let res = &n.description.resources;
    let cpus = res.nano_cpus / 1_000_000_000;
    let memory = if res.memory_bytes == 0 {
        String::new()
    } else {
        bytes_size(res.memory_bytes as f64)
    };
    let _ = write!(
        o,
        "\nPlatform:\n Operating System:\t{}\n Architecture:\t\t{}\nResources:\n CPUs:\t\t\t{cpus}\n Memory:\t\t{memory}",
        n.description.platform.os, n.description.platform.architecture
    );
    let mut plugins: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in &n.description.engine.plugins {
        let kind = p["Type"].as_str().unwrap_or_default().to_string();
        plugins
            .entry(kind)
            .or_default()
            .push(p["Name"].as_str().unwrap_or_default().to_string());
    }
    if !plugins.is_empty() {
        o.push_str("\nPlugins:");
        for (kind, names) in &plugins {
            let names = names.join(", ");
            let _ = write!(
                o,
                "\n {kind}:{}",
                if names.is_empty() {
                    String::new()
                } else {
                    format!("\t\t{names}")
                }
            );
        }
    }
    let _ = write!(
        o,
        "\nEngine Version:\t\t{}",
        n.description.engine.engine_version
    );
    labels(&mut o, "Engine Labels", &n.description.engine.labels);
    o.push('\n');
    o
}

fn labels(o: &mut String, title: &str, labels: &BTreeMap<String, String>) {
    if labels.is_empty() {
        return;
    }
    let _ = write!(o, "\n{title}:");
    for (k, v) in labels {
        let _ = write!(
            o,
            "\n - {k}{}",
            if v.is_empty() {
                String::new()
            } else {
                format!("={v}")
            }
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn time_strings() {
        assert_eq!(
            go_time_string(Timestamp(1_700_000_000_123_450_000)),
            "2023-11-14 22:13:20.12345 +0000 UTC"
        );
        assert_eq!(
            go_time_string(Timestamp(1_700_000_000_000_000_000)),
            "2023-11-14 22:13:20 +0000 UTC"
        );
    }

    #[test]
    fn manager_node() {
        let n: Node = serde_json::from_value(json!({
            "ID": "m1abc",
            "CreatedAt": "2023-11-14T22:13:20.5Z",
            "Spec": {"Labels": {"dc": "east", "ssd": ""}, "Role": "manager", "Availability": "active"},
            "Description": {
                "Hostname": "node-1",
                "Platform": {"Architecture": "x86_64", "OS": "linux"},
                "Resources": {"NanoCPUs": 4000000000i64, "MemoryBytes": 8336236544i64},
                "Engine": {"EngineVersion": "0.1.0", "Plugins": [{"Type": "Network", "Name": "overlay"}, {"Type": "Network", "Name": "bridge"}]}
            },
            "Status": {"State": "ready", "Addr": "10.0.0.1"},
            "ManagerStatus": {"Leader": true, "Reachability": "reachable", "Addr": "10.0.0.1:2377"}
        }))
        .unwrap();
        assert_eq!(
            render(&n),
            "ID:\t\t\tm1abc\nLabels:\n - dc=east\n - ssd\nHostname:              \tnode-1\n\
             Joined at:             \t2023-11-14 22:13:20.5 +0000 utc\nStatus:\n State:\t\t\tReady\n\
             \x20Availability:         \tActive\n Address:\t\t10.0.0.1\n\
             Manager Status:\n Address:\t\t10.0.0.1:2377\n Raft Status:\t\tReachable\n Leader:\t\tYes\n\
             Platform:\n Operating System:\tlinux\n Architecture:\t\tx86_64\n\
             Resources:\n CPUs:\t\t\t4\n Memory:\t\t7.764GiB\n\
             Plugins:\n Network:\t\toverlay, bridge\nEngine Version:\t\t0.1.0\n"
        );
    }
}
