//! Subnets for networks: the next free one from the cluster's default address pools, or
//! the one a `network create --subnet` asks for, never overlapping another network's.

use shoal_api::ipv4::{parse_addr, Cidr};
use shoal_api::network::IpamConfig;

/// libnetwork's words when the pools are used up.
pub const POOLS_EXHAUSTED: &str = "could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network";
/// libnetwork's words for a requested subnet that overlaps another network's.
pub const OVERLAPS: &str =
    "invalid pool request: Pool overlaps with other one on this address space";

/// The first subnet of length `mask` in `pools` (in order) that overlaps none of `used`.
pub fn next_subnet(pools: &[String], mask: u32, used: &[Cidr]) -> Result<Cidr, String> {
    for pool in pools {
        let pool = Cidr::parse(pool)?;
        let prefix = u8::try_from(mask).unwrap_or(u8::MAX);
        let mut n = 0u64;
        while let Some(candidate) = pool.subnet(prefix, n) {
            match used.iter().find(|u| u.overlaps(candidate)) {
                None => return Ok(candidate),
                // Skip past the network in the way (it may be larger than a candidate).
                Some(u) => {
                    let next = u.last() as u64 + 1;
                    let step = 1u64 << (32 - prefix);
                    n = (next.saturating_sub(pool.first() as u64))
                        .div_ceil(step)
                        .max(n + 1);
                }
            }
        }
    }
    Err(POOLS_EXHAUSTED.into())
}

/// A requested IPAM config checked and completed: the subnet must overlap no network in
/// `used`, the range and gateway must lie in the subnet; the gateway defaults to the
/// subnet's first host address.
pub fn check_requested(cfg: &IpamConfig, used: &[Cidr]) -> Result<IpamConfig, String> {
    let subnet = Cidr::parse(&cfg.subnet)?;
    if used.iter().any(|u| u.overlaps(subnet)) {
        return Err(OVERLAPS.into());
    }
    if !cfg.ip_range.is_empty() {
        let range = Cidr::parse(&cfg.ip_range)?;
        if !(subnet.contains(range.first()) && subnet.contains(range.last())) {
            return Err(format!(
                "invalid pool request: ip range {} is not within subnet {subnet}",
                cfg.ip_range
            ));
        }
    }
    let gateway = if cfg.gateway.is_empty() {
        subnet.hosts().next().map(std::net::Ipv4Addr::from)
    } else {
        let gw = parse_addr(&cfg.gateway)?;
        if !subnet.contains(gw) {
            return Err(format!(
                "invalid pool request: gateway {} is not within subnet {subnet}",
                cfg.gateway
            ));
        }
        Some(std::net::Ipv4Addr::from(gw))
    };
    Ok(IpamConfig {
        subnet: subnet.to_string(),
        ip_range: cfg.ip_range.clone(),
        gateway: gateway.map(|g| g.to_string()).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidrs(list: &[&str]) -> Vec<Cidr> {
        list.iter().map(|c| Cidr::parse(c).expect("cidr")).collect()
    }

    #[test]
    fn subnets_come_from_the_pools_in_order_and_skip_overlaps() {
        let pools = vec!["10.10.0.0/16".to_string(), "10.20.0.0/16".to_string()];
        let got = |used: &[&str]| next_subnet(&pools, 24, &cidrs(used)).map(|c| c.to_string());
        assert_eq!(got(&[]), Ok("10.10.0.0/24".into()));
        assert_eq!(got(&["10.10.0.0/24"]), Ok("10.10.1.0/24".into()));
        // A larger network in the way is skipped as a whole.
        assert_eq!(got(&["10.10.0.0/20"]), Ok("10.10.16.0/24".into()));
        assert_eq!(got(&["10.10.0.0/16"]), Ok("10.20.0.0/24".into()));
        assert_eq!(
            got(&["10.10.0.0/16", "10.20.0.0/16"]),
            Err(POOLS_EXHAUSTED.into())
        );
        let small = vec!["192.168.0.0/23".to_string()];
        assert_eq!(
            next_subnet(&small, 24, &cidrs(&["192.168.0.0/24", "192.168.1.0/24"])),
            Err(POOLS_EXHAUSTED.into())
        );
    }

    #[test]
    fn a_requested_subnet_is_checked() {
        let cfg = |s: &str, r: &str, g: &str| IpamConfig {
            subnet: s.into(),
            ip_range: r.into(),
            gateway: g.into(),
        };
        let ok = check_requested(&cfg("10.5.0.0/16", "10.5.1.0/24", ""), &[]).expect("ok");
        assert_eq!(ok.gateway, "10.5.0.1");
        let used = cidrs(&["10.5.3.0/24"]);
        assert_eq!(
            check_requested(&cfg("10.5.0.0/16", "", ""), &used),
            Err(OVERLAPS.into())
        );
        assert!(check_requested(&cfg("10.5.0.0/16", "10.6.0.0/24", ""), &[]).is_err());
        assert!(check_requested(&cfg("10.5.0.0/16", "", "10.6.0.1"), &[]).is_err());
        assert_eq!(
            check_requested(&cfg("10.5.0.0/33", "", ""), &[]),
            Err("invalid CIDR address: 10.5.0.0/33".into())
        );
    }
}
