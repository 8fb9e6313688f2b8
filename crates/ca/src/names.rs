//! What may go into certificate names.
//!
//! Checked before signing so a bad id fails with a clear message at issuance, not as an obscure
//! handshake failure later (webpki refuses malformed DNS names in SANs).

use std::net::IpAddr;

use rcgen::SanType;

use crate::CaError;

/// Node ids go into the CN and a DNS SAN, so they must be a valid DNS label.
pub(crate) fn check_node_id(node_id: &str) -> Result<(), CaError> {
    if is_dns_label(node_id) && !node_id.bytes().any(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(CaError::InvalidName {
            field: "node id",
            value: node_id.to_owned(),
            reason: "expected 1 to 63 lowercase letters, digits or '-', not starting or ending \
                     with '-' (shoal ids are 25 base-36 characters)",
        })
    }
}

/// Cluster ids go into the O attribute; X.509 limits it to 64 characters.
pub(crate) fn check_cluster_id(cluster_id: &str) -> Result<(), CaError> {
    let ok = (1..=64).contains(&cluster_id.len())
        && cluster_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(CaError::InvalidName {
            field: "cluster id",
            value: cluster_id.to_owned(),
            reason: "expected 1 to 64 letters, digits, '-', '_' or '.'",
        })
    }
}

/// A subject alternative name: an IP address if it parses as one, else a DNS name.
pub(crate) fn san(name: &str) -> Result<SanType, CaError> {
    if let Ok(ip) = name.parse::<IpAddr>() {
        return Ok(SanType::IpAddress(ip));
    }
    let invalid = || CaError::InvalidName {
        field: "subject alternative name",
        value: name.to_owned(),
        reason: "expected an IP address or a DNS name (labels of letters, digits and '-', \
                 separated by '.'), without a port",
    };
    let ok = name.len() <= 253 && name.split('.').all(is_dns_label);
    if !ok {
        return Err(invalid());
    }
    let ia5 = name.try_into().map_err(|_| invalid())?;
    Ok(SanType::DnsName(ia5))
}

/// One DNS label (RFC 1123): 1 to 63 letters, digits or hyphens, no hyphen at either end.
fn is_dns_label(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ids() {
        assert!(check_node_id("abcdefghijklmnopqrstuvwxy").is_ok());
        assert!(check_node_id("id00000000000000000000001").is_ok());
        for bad in ["", "-a", "a-", "A1", "a.b", "a_b", &"a".repeat(64)] {
            assert!(check_node_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn cluster_ids() {
        assert!(check_cluster_id("cluster-1_x.y").is_ok());
        assert!(check_cluster_id("").is_err());
        assert!(check_cluster_id("a b").is_err());
        assert!(check_cluster_id(&"a".repeat(65)).is_err());
    }

    #[test]
    fn sans() {
        assert!(matches!(san("10.0.0.1"), Ok(SanType::IpAddress(_))));
        assert!(matches!(san("::1"), Ok(SanType::IpAddress(_))));
        assert!(matches!(san("node-1.example.com"), Ok(SanType::DnsName(_))));
        for bad in [
            "",
            "10.0.0.1:2377",
            "a..b",
            "-a.com",
            "a b",
            "*.example.com",
            "é.com",
        ] {
            assert!(san(bad).is_err(), "{bad:?}");
        }
    }
}
