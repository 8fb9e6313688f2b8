//! `service inspect --pretty`: the human-readable summary docker prints,
//! reproduced field by field (section order, tabs, trailing spaces and
//! the blank lines around each service included).

use serde_json::Value;
use shoal_api::{ModeKind, Reference, ResourceRequirements, Service, Timestamp, UpdateConfig};
use shoal_gocompat::duration::{format_nanos, human_ago};
use shoal_gocompat::template::go_float;
use shoal_gocompat::units::bytes_size;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Renders one service; `network_names` maps network IDs to names.
pub fn render(s: &Service, network_names: &BTreeMap<String, String>, now: Timestamp) -> String {
    let spec = &s.spec;
    let task = &spec.task_template;
    let cs = &task.container_spec;
    let mut o = String::new();
    let _ = write!(o, "\nID:\t\t{}\nName:\t\t{}", s.id, spec.name);
    if !spec.labels.is_empty() {
        o.push_str("\nLabels:");
        for (k, v) in &spec.labels {
            let _ = write!(o, "\n {k}{}", eq_value(v));
        }
    }
    o.push_str("\nService Mode:");
    match spec.mode.kind() {
        ModeKind::Global => o.push_str("\tGlobal"),
        ModeKind::Replicated(n) if spec.mode.replicated.is_some() => {
            o.push_str("\tReplicated");
            // docker prints the count only when the spec holds one.
            if spec
                .mode
                .replicated
                .as_ref()
                .is_some_and(|r| r.replicas.is_some())
            {
                let _ = write!(o, "\n Replicas:\t{n}");
            }
        }
        _ => {}
    }
    if let Some(us) = s.update_status.as_ref().filter(|u| !u.state.is_empty()) {
        let _ = write!(o, "\nUpdateStatus:\n State:\t\t{}", us.state);
        if !us.started_at.is_zero() {
            let _ = write!(o, "\n Started:\t{}", human_ago(now.since(us.started_at)));
        }
        if us.state == "completed" && !us.completed_at.is_zero() {
            let _ = write!(
                o,
                "\n Completed:\t{}",
                human_ago(now.since(us.completed_at))
            );
        }
        let _ = write!(o, "\n Message:\t{}", us.message);
    }
    o.push_str("\nPlacement:");
    if let Some(p) = &task.placement {
        if !p.constraints.is_empty() {
            let _ = write!(o, "\n Constraints:\t[{}]", p.constraints.join(" "));
        }
        let prefs: Vec<String> = p
            .preferences
            .iter()
            .filter_map(|p| p.spread_descriptor())
            .map(|d| format!("spread={d}"))
            .collect();
        if !prefs.is_empty() {
            let _ = write!(o, "\n Preferences:   [{}]", prefs.join(" "));
        }
        if let Some(m) = p.max_replicas.filter(|m| *m > 0) {
            let _ = write!(o, "\n Max Replicas Per Node:   {m}");
        }
    }
    if let Some(u) = &spec.update_config {
        update_config(&mut o, "UpdateConfig", "Update order:     ", u);
    }
    if let Some(u) = &spec.rollback_config {
        update_config(&mut o, "RollbackConfig", "Rollback order:   ", u);
    }
    let _ = write!(o, "\nContainerSpec:\n Image:\t\t{}", cs.image);
    if !cs.args.is_empty() {
        let _ = write!(o, "\n Args:\t\t{}", spaced(&cs.args));
    }
    if !cs.env.is_empty() {
        let _ = write!(o, "\n Env:\t\t{}", spaced(&cs.env));
    }
    if !cs.dir.is_empty() {
        let _ = write!(o, "\n Dir:\t\t{}", cs.dir);
    }
    if let Some(init) = cs.extra.get("Init").and_then(Value::as_bool) {
        let _ = write!(o, "\n Init:\t\t{init}");
    }
    if !cs.user.is_empty() {
        let _ = write!(o, "\n User: {}", cs.user);
    }
    capabilities(&mut o, &cs.extra);
    if let Some(Value::Object(sysctls)) = cs.extra.get("Sysctls").filter(|v| non_empty(v)) {
        o.push_str("\nSysCtls:");
        for (k, v) in sysctls {
            let v = v.as_str().unwrap_or_default();
            let _ = write!(
                o,
                "\n {k}{}",
                if v.is_empty() {
                    String::new()
                } else {
                    format!(": {v}")
                }
            );
        }
    }
    if let Some(Value::Array(ulimits)) = cs.extra.get("Ulimits").filter(|v| non_empty(v)) {
        let by_name: BTreeMap<&str, String> = ulimits
            .iter()
            .map(|u| {
                (
                    str_at(u, "Name"),
                    format!(
                        "{}:{}",
                        u["Soft"].as_i64().unwrap_or(0),
                        u["Hard"].as_i64().unwrap_or(0)
                    ),
                )
            })
            .collect();
        o.push_str("\nUlimits:");
        for (k, v) in by_name {
            let _ = write!(o, "\n {k}: {v}");
        }
    }
    let mounts = cs.mounts.as_deref().unwrap_or_default();
    if !mounts.is_empty() {
        o.push_str("\nMounts:");
        for m in mounts {
            let _ = write!(
                o,
                "\n Target:\t{}\n  Source:\t{}\n  ReadOnly:\t{}\n  Type:\t\t{}",
                m.target.as_deref().unwrap_or_default(),
                m.source.as_deref().unwrap_or_default(),
                m.read_only.unwrap_or(false),
                m.r#type.as_deref().unwrap_or_default()
            );
        }
    }
    let configs: Vec<&dyn Reference> = cs.configs.iter().flatten().map(|r| r as _).collect();
    let secrets: Vec<&dyn Reference> = cs.secrets.iter().flatten().map(|r| r as _).collect();
    for (title, refs) in [("Configs", configs), ("Secrets", secrets)] {
        if !refs.is_empty() {
            let _ = write!(o, "\n{title}:");
            for r in refs {
                let target = r.file().map(|f| f.name.as_str()).unwrap_or_default();
                let _ = write!(o, "\n Target:\t{target}\n  Source:\t{}", r.name());
            }
        }
    }
    if let Some(driver) = task.extra.get("LogDriver").filter(|v| v.is_object()) {
        o.push_str("\nLog Driver:");
        let name = str_at(driver, "Name");
        if !name.is_empty() {
            let _ = write!(o, "\n Name:\t\t{name}");
        }
        if let Some(Value::Object(opts)) = driver.get("Options").filter(|v| non_empty(v)) {
            o.push_str("\n LogOpts:");
            for (k, v) in opts {
                let v = v.as_str().unwrap_or_default();
                let _ = write!(
                    o,
                    "\n  {k}{}",
                    if v.is_empty() {
                        String::new()
                    } else {
                        format!(":       {v}")
                    }
                );
            }
        }
        o.push('\n');
    }
    resources(&mut o, task.resources.as_ref());
    let networks: Vec<String> = task
        .networks
        .iter()
        .flatten()
        .map(|n| {
            network_names
                .get(&n.target)
                .cloned()
                .unwrap_or_else(|| n.target.clone())
        })
        .collect();
    if !networks.is_empty() {
        o.push_str("\nNetworks:");
        for n in &networks {
            let _ = write!(o, " {n}");
        }
        o.push(' ');
    }
    let mode = spec
        .endpoint_spec
        .as_ref()
        .map(|e| e.mode.as_str())
        .unwrap_or_default();
    let _ = write!(o, "\nEndpoint Mode:\t{mode}");
    if !s.endpoint.ports.is_empty() {
        o.push_str("\nPorts:");
        for p in &s.endpoint.ports {
            let _ = write!(
                o,
                "\n PublishedPort = {}\n  Protocol = {}\n  TargetPort = {}\n  PublishMode = {}",
                p.published_port.unwrap_or(0),
                p.protocol,
                p.target_port,
                p.publish_mode
            );
        }
        o.push(' ');
    }
    if let Some(hc) = &cs.healthcheck {
        let dur = |n: Option<i64>| format_nanos(n.unwrap_or(0));
        let _ = write!(
            o,
            "\n Healthcheck:\n  Interval = {}\n  Retries = {}\n  StartPeriod =\t{}\n  Timeout =\t{}",
            dur(hc.interval),
            hc.retries.unwrap_or(0),
            dur(hc.start_period),
            dur(hc.timeout)
        );
        let tests = hc.test.as_deref().unwrap_or_default();
        if !tests.is_empty() {
            o.push_str("\n  Tests:");
            for t in tests {
                let _ = write!(o, "\n\t Test = {t}");
            }
            o.push(' ');
        }
    }
    o.push_str("\n\n");
    o
}

fn eq_value(v: &str) -> String {
    if v.is_empty() {
        String::new()
    } else {
        format!("={v}")
    }
}

fn spaced(items: &[String]) -> String {
    items.iter().map(|a| format!("{a} ")).collect()
}

fn str_at<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn non_empty(v: &Value) -> bool {
    match v {
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
        Value::Null => false,
        _ => true,
    }
}

fn update_config(o: &mut String, title: &str, order_label: &str, u: &UpdateConfig) {
    let _ = write!(o, "\n{title}:\n Parallelism:\t{}", u.parallelism);
    if let Some(d) = u.delay.filter(|d| *d > 0) {
        let _ = write!(o, "\n Delay:\t\t{}", format_nanos(d));
    }
    let _ = write!(
        o,
        "\n On failure:\t{}",
        u.failure_action.as_deref().unwrap_or_default()
    );
    if let Some(m) = u.monitor.filter(|m| *m > 0) {
        let _ = write!(o, "\n Monitoring Period: {}", format_nanos(m));
    }
    let _ = write!(
        o,
        "\n Max failure ratio: {}\n {order_label} {}",
        go_float(u.max_failure_ratio.unwrap_or(0.0)),
        u.order.as_deref().unwrap_or_default()
    );
}

fn capabilities(o: &mut String, extra: &serde_json::Map<String, Value>) {
    let list = |k: &str| -> Vec<String> {
        extra
            .get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    };
    let (add, drop) = (list("CapabilityAdd"), list("CapabilityDrop"));
    if add.is_empty() && drop.is_empty() {
        return;
    }
    o.push_str("\nCapabilities:");
    if !add.is_empty() {
        let _ = write!(o, "\n Add: {}", add.join(", "));
    }
    if !drop.is_empty() {
        let _ = write!(o, "\n Drop: {}", drop.join(", "));
    }
}

fn resources(o: &mut String, res: Option<&ResourceRequirements>) {
    let amount =
        |a: Option<&shoal_api::ResourceAmounts>,
         f: fn(&shoal_api::ResourceAmounts) -> Option<i64>| { a.and_then(f).unwrap_or(0) };
    let (limits, reservations) = (
        res.and_then(|r| r.limits.as_ref()),
        res.and_then(|r| r.reservations.as_ref()),
    );
    let num = |section: &str, key: &str| -> i64 {
        let a = if section == "Limits" {
            limits
        } else {
            reservations
        };
        match key {
            "NanoCPUs" => amount(a, |a| a.nano_cpus),
            "MemoryBytes" => amount(a, |a| a.memory_bytes),
            _ => amount(a, |a| a.pids),
        }
    };
    if res.is_some() {
        o.push_str("\nResources:");
        let (rc, rm) = (
            num("Reservations", "NanoCPUs"),
            num("Reservations", "MemoryBytes"),
        );
        if rc > 0 || rm > 0 {
            o.push_str("\n Reservations:");
            if rc > 0 {
                let _ = write!(o, "\n  CPU:\t\t{}", go_float(rc as f64 / 1e9));
            }
            if rm != 0 {
                let _ = write!(o, "\n  Memory:\t{}", bytes_size(rm as f64));
            }
        }
        let (lc, lm, lp) = (
            num("Limits", "NanoCPUs"),
            num("Limits", "MemoryBytes"),
            num("Limits", "Pids"),
        );
        if lc > 0 || lm > 0 || lp > 0 {
            o.push_str("\n Limits:");
            if lc > 0 {
                let _ = write!(o, "\n  CPU:\t\t{}", go_float(lc as f64 / 1e9));
            }
            if lm != 0 {
                let _ = write!(o, "\n  Memory:\t{}", bytes_size(lm as f64));
            }
        }
    }
    let pids = num("Limits", "Pids");
    if pids > 0 {
        let _ = write!(o, "\n  PIDs:\t\t{pids}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn service(spec: Value, endpoint: Value) -> Service {
        serde_json::from_value(json!({
            "ID": "x6kpvn0ycp4tn8w5ifbp8rp5z",
            "Spec": spec,
            "Endpoint": endpoint,
        }))
        .unwrap()
    }

    #[test]
    fn minimal_replicated() {
        let s = service(
            json!({
                "Name": "web",
                "TaskTemplate": {
                    "ContainerSpec": {"Image": "busybox", "Args": ["sleep", "1000"], "Init": false},
                    "Resources": {"Limits": {}, "Reservations": {}},
                    "Placement": {}
                },
                "Mode": {"Replicated": {"Replicas": 3}},
                "UpdateConfig": {"Parallelism": 1, "FailureAction": "pause", "Monitor": 5000000000i64, "MaxFailureRatio": 0, "Order": "stop-first"},
                "EndpointSpec": {"Mode": "vip"}
            }),
            json!({}),
        );
        assert_eq!(
            render(&s, &BTreeMap::new(), Timestamp(0)),
            "\nID:\t\tx6kpvn0ycp4tn8w5ifbp8rp5z\nName:\t\tweb\nService Mode:\tReplicated\n Replicas:\t3\n\
             Placement:\nUpdateConfig:\n Parallelism:\t1\n On failure:\tpause\n Monitoring Period: 5s\n\
             \x20Max failure ratio: 0\n Update order:      stop-first\n\
             ContainerSpec:\n Image:\t\tbusybox\n Args:\t\tsleep 1000 \n Init:\t\tfalse\n\
             Resources:\nEndpoint Mode:\tvip\n\n"
        );
    }

    #[test]
    fn everything() {
        let s = service(
            json!({
                "Name": "api",
                "Labels": {"tier": "back", "flag": ""},
                "TaskTemplate": {
                    "ContainerSpec": {
                        "Image": "nginx:1.25", "Env": ["A=1"], "Dir": "/srv", "User": "nobody",
                        "Mounts": [{"Type": "bind", "Source": "/d", "Target": "/data", "ReadOnly": true}],
                        "Healthcheck": {"Test": ["CMD-SHELL", "true"], "Interval": 2000000000i64, "Retries": 3}
                    },
                    "Resources": {"Limits": {"NanoCPUs": 500000000, "MemoryBytes": 268435456}, "Reservations": {"NanoCPUs": 1000000000}},
                    "Placement": {"Constraints": ["node.role==worker", "node.labels.ssd==true"],
                                  "Preferences": [{"Spread": {"SpreadDescriptor": "node.labels.dc"}}], "MaxReplicas": 2},
                    "Networks": [{"Target": "net1"}]
                },
                "Mode": {"Global": {}},
                "RollbackConfig": {"Parallelism": 2, "Delay": 1500000000i64, "FailureAction": "continue", "MaxFailureRatio": 0.25, "Order": "start-first"},
                "EndpointSpec": {"Mode": "vip"}
            }),
            json!({"Ports": [{"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8080, "PublishMode": "ingress"}]}),
        );
        let names = BTreeMap::from([("net1".to_string(), "backend".to_string())]);
        assert_eq!(
            render(&s, &names, Timestamp(0)),
            "\nID:\t\tx6kpvn0ycp4tn8w5ifbp8rp5z\nName:\t\tapi\nLabels:\n flag\n tier=back\nService Mode:\tGlobal\n\
             Placement:\n Constraints:\t[node.role==worker node.labels.ssd==true]\n Preferences:   [spread=node.labels.dc]\n\
             \x20Max Replicas Per Node:   2\n\
             RollbackConfig:\n Parallelism:\t2\n Delay:\t\t1.5s\n On failure:\tcontinue\n Max failure ratio: 0.25\n\
             \x20Rollback order:    start-first\n\
             ContainerSpec:\n Image:\t\tnginx:1.25\n Env:\t\tA=1 \n Dir:\t\t/srv\n User: nobody\n\
             Mounts:\n Target:\t/data\n  Source:\t/d\n  ReadOnly:\ttrue\n  Type:\t\tbind\n\
             Resources:\n Reservations:\n  CPU:\t\t1\n Limits:\n  CPU:\t\t0.5\n  Memory:\t256MiB\n\
             Networks: backend \nEndpoint Mode:\tvip\n\
             Ports:\n PublishedPort = 8080\n  Protocol = tcp\n  TargetPort = 80\n  PublishMode = ingress \n\
             \x20Healthcheck:\n  Interval = 2s\n  Retries = 3\n  StartPeriod =\t0s\n  Timeout =\t0s\n  Tests:\n\t Test = CMD-SHELL\n\t Test = true \n\n"
        );
    }
}
