//! Placement constraints (`node.labels.zone==east`): parsed once, matched against nodes,
//! with swarmkit's grammar, error messages and matching rules (case-insensitive values,
//! case-sensitive label keys, a missing attribute compares as the empty string).

use shoal_api::{Node, NodeRole};
use std::net::IpAddr;

const NODE_LABELS: &str = "node.labels.";
const ENGINE_LABELS: &str = "engine.labels.";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Eq,
    NotEq,
}

/// One parsed constraint: `key op value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    pub key: String,
    pub op: Operator,
    pub value: String,
}

/// swarmkit's key pattern: `^(?i)[a-z_][a-z0-9\-_.]+$`.
fn valid_key(k: &str) -> bool {
    let b = k.as_bytes();
    b.len() >= 2
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// swarmkit's value pattern: `^(?i)[a-z0-9:\-_\s\.\*\(\)\?\+\[\]\\\^\$\|\/]+$`.
fn valid_value(v: &str) -> bool {
    !v.is_empty()
        && v.chars().all(|c| {
            c.is_ascii_alphanumeric() || c.is_whitespace() || ":-_.*()?+[]\\^$|/".contains(c)
        })
}

/// Parses constraints as swarmkit does; the error is swarmkit's message.
pub fn parse(exprs: &[String]) -> Result<Vec<Constraint>, String> {
    let mut out = Vec::with_capacity(exprs.len());
    for e in exprs {
        let found = [("==", Operator::Eq), ("!=", Operator::NotEq)]
            .into_iter()
            .find_map(|(s, op)| e.split_once(s).map(|(k, v)| (k, op, v)));
        let Some((k, op, v)) = found else {
            return Err("constraint expected one operator from ==, !=".into());
        };
        let (k, v) = (k.trim(), v.trim());
        if !valid_key(k) {
            return Err(format!("key '{k}' is invalid"));
        }
        if !valid_value(v) {
            return Err(format!("value '{v}' is invalid"));
        }
        out.push(Constraint {
            key: k.to_string(),
            op,
            value: v.to_string(),
        });
    }
    Ok(out)
}

/// The part of `key` after `prefix`, compared case-insensitively; None when it does not
/// start with it or nothing follows.
fn strip_prefix_ci<'k>(key: &'k str, prefix: &str) -> Option<&'k str> {
    (key.len() > prefix.len()
        && key.is_char_boundary(prefix.len())
        && key[..prefix.len()].eq_ignore_ascii_case(prefix))
    .then(|| &key[prefix.len()..])
}

/// The node's address as an IP (a `host:port` address gives its host part).
fn node_ip(node: &Node) -> Option<IpAddr> {
    let a = node.status.addr.as_str();
    a.parse::<IpAddr>()
        .ok()
        .or_else(|| a.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
}

/// `ip` lies in `cidr` (`10.0.0.0/8`, `2001:db8::/32`); None when `cidr` is malformed.
fn in_cidr(ip: Option<IpAddr>, cidr: &str) -> Option<bool> {
    let (net, len) = cidr.split_once('/')?;
    let net: IpAddr = net.parse().ok()?;
    let len: u32 = len.parse().ok()?;
    let (net, ip, bits) = match (net, ip) {
        (IpAddr::V4(n), Some(IpAddr::V4(i))) => (u32::from(n) as u128, u32::from(i) as u128, 32),
        (IpAddr::V6(n), Some(IpAddr::V6(i))) => (u128::from(n), u128::from(i), 128),
        (IpAddr::V4(_), _) if len <= 32 => return Some(false),
        (IpAddr::V6(_), _) if len <= 128 => return Some(false),
        _ => return None,
    };
    if len > bits {
        return None;
    }
    let shift = bits - len;
    let mask = if shift >= 128 { 0 } else { u128::MAX << shift };
    Some(net & mask == ip & mask)
}

impl Constraint {
    fn holds(&self, matched: bool) -> bool {
        matched == (self.op == Operator::Eq)
    }

    fn matches_str(&self, what: &str) -> bool {
        self.holds(self.value.eq_ignore_ascii_case(what))
    }

    /// Whether `node` satisfies this constraint; unknown keys and malformed addresses
    /// match no node.
    pub fn matches(&self, node: &Node) -> bool {
        let key = self.key.as_str();
        let is = |k: &str| key.eq_ignore_ascii_case(k);
        if is("node.id") {
            self.matches_str(&node.id)
        } else if is("node.hostname") {
            self.matches_str(&node.description.hostname)
        } else if is("node.ip") {
            let ip = node_ip(node);
            if let Ok(want) = self.value.parse::<IpAddr>() {
                return self.holds(ip == Some(want));
            }
            match in_cidr(ip, &self.value) {
                Some(within) => self.holds(within),
                None => false,
            }
        } else if is("node.role") {
            self.matches_str(match node.spec.role {
                NodeRole::Manager => "manager",
                NodeRole::Worker => "worker",
            })
        } else if is("node.platform.os") {
            self.matches_str(&node.description.platform.os)
        } else if is("node.platform.arch") {
            self.matches_str(&node.description.platform.architecture)
        } else if let Some(label) = strip_prefix_ci(key, NODE_LABELS) {
            self.matches_str(node.spec.labels.get(label).map_or("", String::as_str))
        } else if let Some(label) = strip_prefix_ci(key, ENGINE_LABELS) {
            let labels = &node.description.engine.labels;
            self.matches_str(labels.get(label).map_or("", String::as_str))
        } else {
            false
        }
    }
}

/// Whether `node` satisfies every constraint.
pub fn node_matches(constraints: &[Constraint], node: &Node) -> bool {
    constraints.iter().all(|c| c.matches(node))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(e: &str) -> Result<Vec<Constraint>, String> {
        parse(&[e.to_string()])
    }

    fn node() -> Node {
        let mut n = Node {
            id: "abc123".into(),
            ..Default::default()
        };
        n.description.hostname = "host-1".into();
        n.description.platform.os = "linux".into();
        n.description.platform.architecture = "x86_64".into();
        n.status.addr = "10.1.2.3".into();
        n.spec.labels.insert("zone".into(), "East".into());
        n.description
            .engine
            .labels
            .insert("disk".into(), "ssd".into());
        n
    }

    fn m(e: &str) -> bool {
        node_matches(&p(e).unwrap(), &node())
    }

    #[test]
    fn parse_errors_are_swarmkits() {
        assert_eq!(
            p("node.role=manager").unwrap_err(),
            "constraint expected one operator from ==, !="
        );
        assert_eq!(p("x==y").unwrap_err(), "key 'x' is invalid");
        assert_eq!(p("1ab==y").unwrap_err(), "key '1ab' is invalid");
        assert_eq!(p("node.id==").unwrap_err(), "value '' is invalid");
        assert_eq!(p("node.id==a>b").unwrap_err(), "value 'a>b' is invalid");
        let c = p(" node.labels.zone != east ").unwrap();
        assert_eq!(
            c,
            vec![Constraint {
                key: "node.labels.zone".into(),
                op: Operator::NotEq,
                value: "east".into()
            }]
        );
    }

    #[test]
    fn every_attribute_matches() {
        assert!(m("node.id==abc123"));
        assert!(m("node.id!=other"));
        assert!(m("node.hostname==HOST-1"));
        assert!(m("node.role==worker"));
        assert!(!m("node.role==manager"));
        assert!(m("node.platform.os==linux"));
        assert!(m("node.platform.arch!=aarch64"));
        assert!(m("node.labels.zone==east"));
        assert!(
            !m("node.labels.Zone==east"),
            "label keys are case-sensitive"
        );
        assert!(m("node.labels.missing!=x"));
        assert!(!m("node.labels.missing==x"));
        assert!(m("engine.labels.disk==ssd"));
        assert!(m("node.ip==10.1.2.3"));
        assert!(m("node.ip==10.0.0.0/8"));
        assert!(m("node.ip!=192.168.0.0/16"));
        assert!(!m("node.ip==10.1.2.0/30x"));
        assert!(!m("node.unknown==x"));
    }
}
