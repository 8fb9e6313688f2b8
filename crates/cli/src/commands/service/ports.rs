//! Published ports: parsing `-p` / `--publish-add` in both of docker's
//! forms (`8080:80/udp`, `published=8080,target=80,mode=host`), merging
//! them into a service on update, and the PORTS column of `service ls`
//! (`*:8080->80/tcp`, consecutive ports grouped into ranges).

use shoal_api::PortConfig;
use shoal_gocompat::csv;
use std::cmp::Ordering;

/// Parses one `--publish` value into one or more port configs.
pub fn parse_publish(value: &str) -> Result<Vec<PortConfig>, String> {
    if long_syntax(value) {
        parse_long(value).map(|p| vec![p])
    } else {
        parse_short(value)
    }
}

/// docker tests `\w+=\w+(,\w+=\w+)*` unanchored: any `word=word`.
fn long_syntax(value: &str) -> bool {
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let b = value.as_bytes();
    (1..b.len().saturating_sub(1)).any(|i| b[i] == b'=' && word(b[i - 1]) && word(b[i + 1]))
}

fn parse_long(value: &str) -> Result<PortConfig, String> {
    let mut p = PortConfig::default();
    for field in csv::fields(value)? {
        let lower = field.to_lowercase();
        let Some((key, val)) = lower.split_once('=').filter(|(k, _)| !k.is_empty()) else {
            return Err(format!("invalid field: {field}"));
        };
        let port = |what: &str| -> Result<u32, String> {
            val.parse::<u16>().map(u32::from).map_err(|e| {
                let why = if matches!(
                    e.kind(),
                    std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow
                ) && val.bytes().all(|c| c.is_ascii_digit())
                {
                    "value out of range"
                } else {
                    "invalid syntax"
                };
                format!("invalid {what} port ({val}): value must be an integer: {why}")
            })
        };
        match key {
            "protocol" => {
                if !matches!(val, "tcp" | "udp" | "sctp") {
                    return Err(format!("invalid protocol value '{val}'"));
                }
                p.protocol = val.to_string();
            }
            "mode" => {
                if !matches!(val, "ingress" | "host") {
                    return Err(format!(
                        "invalid publish mode value ({val}): must be either 'ingress' or 'host'"
                    ));
                }
                p.publish_mode = val.to_string();
            }
            "target" => p.target_port = port("target")?,
            "published" => p.published_port = Some(port("published")?).filter(|n| *n != 0),
            _ => return Err(format!("invalid field key: {key}")),
        }
    }
    if p.target_port == 0 {
        return Err("missing mandatory field 'target'".to_string());
    }
    if p.publish_mode.is_empty() {
        p.publish_mode = "ingress".to_string();
    }
    if p.protocol.is_empty() {
        p.protocol = "tcp".to_string();
    }
    Ok(p)
}

/// go-connections' `ParsePortRange`.
fn port_range(s: &str) -> Option<(u32, u32)> {
    let num = |s: &str| s.parse::<u16>().ok().map(u32::from);
    match s.split_once('-') {
        None => num(s).map(|p| (p, p)),
        Some((a, b)) => {
            let (a, b) = (num(a)?, num(b.split('-').next()?)?);
            (b >= a).then_some((a, b))
        }
    }
}

/// `[ip:]published:target[/proto]` or `target[/proto]`, with ranges.
fn parse_short(value: &str) -> Result<Vec<PortConfig>, String> {
    let parts: Vec<&str> = value.split(':').collect();
    let n = parts.len();
    let (ip, host, container) = match n {
        1 => (String::new(), "", parts[0]),
        2 => (String::new(), parts[0], parts[1]),
        _ => (parts[..n - 2].join(":"), parts[n - 2], parts[n - 1]),
    };
    let (proto, container) = split_proto(container);
    let ip = ip.trim_start_matches('[').trim_end_matches(']').to_string();
    if !ip.is_empty() && ip.parse::<std::net::IpAddr>().is_err() {
        return Err(format!("invalid IP address: {ip}"));
    }
    if container.is_empty() {
        return Err(format!("no port specified: {value}<empty>"));
    }
    let (c_start, c_end) =
        port_range(container).ok_or_else(|| format!("invalid containerPort: {container}"))?;
    let (h_start, h_end) = if host.is_empty() {
        (0, 0)
    } else {
        port_range(host).ok_or_else(|| format!("invalid hostPort: {host}"))?
    };
    if !host.is_empty() && c_end - c_start != h_end - h_start && c_end != c_start {
        return Err(format!(
            "invalid ranges specified for container and host Ports: {container} and {host}"
        ));
    }
    let proto = proto.to_lowercase();
    if !matches!(proto.as_str(), "tcp" | "udp" | "sctp") {
        return Err(format!("invalid proto: {proto}"));
    }
    if !ip.is_empty() {
        return Err("hostip is not supported".to_string());
    }
    let mut ports = Vec::new();
    for i in 0..=(c_end - c_start) {
        let target = c_start + i;
        // One target port with a host range publishes every port of it.
        let published: Vec<u32> = if host.is_empty() {
            vec![0]
        } else if c_start == c_end {
            (h_start..=h_end).collect()
        } else {
            vec![h_start + i]
        };
        for p in published {
            ports.push(PortConfig {
                protocol: proto.clone(),
                target_port: target,
                published_port: (p != 0).then_some(p),
                publish_mode: "ingress".to_string(),
                ..Default::default()
            });
        }
    }
    Ok(ports)
}

/// go-connections' `SplitProtoPort`: `80/udp` -> (udp, 80), default tcp.
fn split_proto(raw: &str) -> (String, &str) {
    let mut parts = raw.splitn(2, '/');
    let port = parts.next().unwrap_or_default();
    if raw.is_empty() || port.is_empty() {
        return (String::new(), "");
    }
    match parts.next() {
        None | Some("") => ("tcp".to_string(), port),
        Some(proto) => (proto.split('/').next().unwrap_or(proto).to_string(), port),
    }
}

/// docker's `portConfigToString`: `published:target/protocol/mode`.
pub fn port_key(p: &PortConfig) -> String {
    format!(
        "{}:{}/{}/{}",
        p.published_port.unwrap_or(0),
        p.target_port,
        p.protocol,
        p.publish_mode
    )
}

fn same_protocol(a: &str, b: &str) -> bool {
    a == b || (a.is_empty() && b == "tcp") || (b.is_empty() && a == "tcp")
}

fn same_mode(a: &str, b: &str) -> bool {
    a == b || (a.is_empty() && b == "ingress") || (b.is_empty() && a == "ingress")
}

/// `--publish-add` / `--publish-rm` applied to a service's ports as docker
/// does: removal matches target port, protocol and mode; additions
/// already present are skipped; the result is sorted by `port_key`.
pub fn update_ports(
    existing: &[PortConfig],
    add: &[PortConfig],
    remove: &[PortConfig],
) -> Vec<PortConfig> {
    let mut seen: Vec<String> = Vec::new();
    let mut kept: Vec<PortConfig> = Vec::new();
    for p in existing {
        let key = port_key(p);
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let removed = remove.iter().any(|r| {
            same_protocol(&p.protocol, &r.protocol)
                && p.target_port == r.target_port
                && same_mode(&p.publish_mode, &r.publish_mode)
        });
        if !removed {
            kept.push(p.clone());
        }
    }
    for p in add {
        if !seen.contains(&port_key(p)) {
            kept.push(p.clone());
        }
    }
    kept.sort_by_key(port_key);
    kept
}

/// The PORTS column of `service ls`: ingress ports as
/// `*:published->target/proto`, runs of consecutive ports grouped
/// (`*:80-81->80-81/tcp`), comma-separated.
pub fn ports_column(ports: &[PortConfig]) -> String {
    let mut sorted = ports.to_vec();
    sorted.sort_by(|a, b| match a.protocol.cmp(&b.protocol) {
        Ordering::Equal => a
            .published_port
            .unwrap_or(0)
            .cmp(&b.published_port.unwrap_or(0)),
        o => o,
    });
    #[derive(Default)]
    struct Range {
        p_start: u32,
        p_end: u32,
        t_start: u32,
        t_end: u32,
        proto: String,
    }
    let show = |r: &Range| {
        let side = |a: u32, b: u32| {
            if b > a {
                format!("{a}-{b}")
            } else {
                a.to_string()
            }
        };
        format!(
            "*:{}->{}/{}",
            side(r.p_start, r.p_end),
            side(r.t_start, r.t_end),
            r.proto
        )
    };
    let mut out = Vec::new();
    let mut r = Range::default();
    for p in sorted.iter().filter(|p| p.publish_mode == "ingress") {
        let published = p.published_port.unwrap_or(0);
        let is_range = r.t_end != r.t_start;
        let overlaps = p.target_port <= r.t_end;
        // Go compares unsigned differences, which wrap when going down.
        if p.protocol != r.proto
            || published.wrapping_sub(r.p_end) > 1
            || p.target_port.wrapping_sub(r.t_end) > 1
            || (is_range && overlaps)
        {
            if r.p_start > 0 {
                out.push(show(&r));
            }
            r = Range {
                p_start: published,
                p_end: published,
                t_start: p.target_port,
                t_end: p.target_port,
                proto: p.protocol.clone(),
            };
            continue;
        }
        r.p_end = published;
        r.t_end = p.target_port;
    }
    if r.p_start > 0 {
        out.push(show(&r));
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(published: u32, target: u32, proto: &str, mode: &str) -> PortConfig {
        PortConfig {
            protocol: proto.into(),
            target_port: target,
            published_port: (published != 0).then_some(published),
            publish_mode: mode.into(),
            ..Default::default()
        }
    }

    #[test]
    fn short_form() {
        let cases: &[(&str, Vec<PortConfig>)] = &[
            ("8080:80", vec![port(8080, 80, "tcp", "ingress")]),
            ("80", vec![port(0, 80, "tcp", "ingress")]),
            ("53:53/udp", vec![port(53, 53, "udp", "ingress")]),
            (
                "8080-8081:80-81",
                vec![
                    port(8080, 80, "tcp", "ingress"),
                    port(8081, 81, "tcp", "ingress"),
                ],
            ),
            (
                "8000-8001:80",
                vec![
                    port(8000, 80, "tcp", "ingress"),
                    port(8001, 80, "tcp", "ingress"),
                ],
            ),
        ];
        for (input, want) in cases {
            assert_eq!(&parse_publish(input).unwrap(), want, "{input}");
        }
        let errors = [
            ("127.0.0.1:80:80", "hostip is not supported"),
            ("x:80", "invalid hostPort: x"),
            ("80:y", "invalid containerPort: y"),
            ("80/foo", "invalid proto: foo"),
            (
                "8080-8082:80-81",
                "invalid ranges specified for container and host Ports: 80-81 and 8080-8082",
            ),
            ("1.2.3:80:80", "invalid IP address: 1.2.3"),
        ];
        for (input, want) in errors {
            assert_eq!(parse_publish(input).unwrap_err(), want, "{input}");
        }
    }

    #[test]
    fn long_form() {
        assert_eq!(
            parse_publish("published=8080,target=80,mode=host,protocol=udp").unwrap(),
            vec![port(8080, 80, "udp", "host")]
        );
        assert_eq!(
            parse_publish("target=80").unwrap(),
            vec![port(0, 80, "tcp", "ingress")]
        );
        let errors = [
            ("published=8080", "missing mandatory field 'target'"),
            ("target=80,protocol=icmp", "invalid protocol value 'icmp'"),
            (
                "target=80,mode=bridge",
                "invalid publish mode value (bridge): must be either 'ingress' or 'host'",
            ),
            (
                "target=http",
                "invalid target port (http): value must be an integer: invalid syntax",
            ),
            (
                "target=80,published=70000",
                "invalid published port (70000): value must be an integer: value out of range",
            ),
            ("target=80,color=red", "invalid field key: color"),
            ("target=80,x", "invalid field: x"),
        ];
        for (input, want) in errors {
            assert_eq!(parse_publish(input).unwrap_err(), want, "{input}");
        }
    }

    #[test]
    fn updates() {
        let existing = vec![
            port(8080, 80, "tcp", "ingress"),
            port(9090, 90, "tcp", "ingress"),
        ];
        let got = update_ports(
            &existing,
            &[
                port(7070, 70, "tcp", "ingress"),
                port(8080, 80, "tcp", "ingress"),
            ],
            &[port(0, 90, "tcp", "ingress")],
        );
        assert_eq!(
            got,
            vec![
                port(7070, 70, "tcp", "ingress"),
                port(8080, 80, "tcp", "ingress")
            ]
        );
    }

    #[test]
    fn ls_column() {
        let cases: &[(Vec<PortConfig>, &str)] = &[
            (vec![], ""),
            (vec![port(8080, 80, "tcp", "ingress")], "*:8080->80/tcp"),
            (vec![port(8080, 80, "tcp", "host")], ""),
            (
                vec![
                    port(81, 81, "tcp", "ingress"),
                    port(80, 80, "tcp", "ingress"),
                ],
                "*:80-81->80-81/tcp",
            ),
            (
                vec![
                    port(80, 80, "tcp", "ingress"),
                    port(81, 80, "tcp", "ingress"),
                ],
                "*:80-81->80/tcp",
            ),
            (
                vec![
                    port(80, 80, "tcp", "ingress"),
                    port(81, 81, "tcp", "ingress"),
                    port(82, 80, "tcp", "ingress"),
                ],
                "*:80-81->80-81/tcp, *:82->80/tcp",
            ),
            (
                vec![
                    port(53, 53, "udp", "ingress"),
                    port(53, 53, "tcp", "ingress"),
                ],
                "*:53->53/tcp, *:53->53/udp",
            ),
            (
                vec![
                    port(8080, 80, "tcp", "ingress"),
                    port(9000, 90, "tcp", "ingress"),
                ],
                "*:8080->80/tcp, *:9000->90/tcp",
            ),
        ];
        for (ports, want) in cases {
            assert_eq!(ports_column(ports), *want, "{ports:?}");
        }
    }
}
