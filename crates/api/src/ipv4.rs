//! IPv4 networks in CIDR notation, as address pools, subnets and ranges use them, with Go's
//! parse errors (`invalid CIDR address: ...`), which is what Docker shows.

use std::fmt;
use std::net::Ipv4Addr;

/// An IPv4 network: its first address and prefix length (host bits are cleared).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cidr {
    base: u32,
    prefix: u8,
}

impl Cidr {
    /// Parses `a.b.c.d/n`; host bits set in the address are cleared, as Go's
    /// `net.ParseCIDR` returns the network.
    pub fn parse(text: &str) -> Result<Cidr, String> {
        let bad = || format!("invalid CIDR address: {text}");
        let (addr, prefix) = text.split_once('/').ok_or_else(bad)?;
        let addr: Ipv4Addr = addr.parse().map_err(|_| bad())?;
        let prefix: u8 = match prefix.parse() {
            Ok(p) if p <= 32 && !prefix.starts_with('+') => p,
            _ => return Err(bad()),
        };
        Ok(Cidr::new(u32::from(addr), prefix))
    }

    pub fn new(addr: u32, prefix: u8) -> Cidr {
        Cidr {
            base: addr & mask(prefix),
            prefix,
        }
    }

    pub fn prefix(self) -> u8 {
        self.prefix
    }

    pub fn first(self) -> u32 {
        self.base
    }

    pub fn last(self) -> u32 {
        self.base | !mask(self.prefix)
    }

    pub fn contains(self, addr: u32) -> bool {
        addr & mask(self.prefix) == self.base
    }

    /// Whether the two share any address.
    pub fn overlaps(self, other: Cidr) -> bool {
        self.first() <= other.last() && other.first() <= self.last()
    }

    /// The `n`th subnet of length `prefix` inside this network, if there is one.
    pub fn subnet(self, prefix: u8, n: u64) -> Option<Cidr> {
        if prefix < self.prefix || prefix > 32 {
            return None;
        }
        let count = 1u64 << (prefix - self.prefix);
        (n < count).then(|| {
            let step = 1u64 << (32 - prefix);
            Cidr::new((self.base as u64 + n * step) as u32, prefix)
        })
    }

    /// The addresses a host may take: all but the network and broadcast addresses (a /31
    /// or /32 has no such reserved addresses).
    pub fn hosts(self) -> impl Iterator<Item = u32> {
        self.host_range()
    }

    /// [`Cidr::hosts`] as a range, to test membership without iterating.
    pub fn host_range(self) -> std::ops::RangeInclusive<u32> {
        if self.prefix >= 31 {
            self.first()..=self.last()
        } else {
            self.first() + 1..=self.last() - 1
        }
    }

    /// An address of this network written with its prefix (`10.0.1.5/24`), as Docker shows a
    /// task's address.
    pub fn with_prefix(self, addr: u32) -> String {
        format!("{}/{}", Ipv4Addr::from(addr), self.prefix)
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", Ipv4Addr::from(self.base), self.prefix)
    }
}

fn mask(prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    }
}

/// Parses a plain IPv4 address with Go's words for a bad one.
pub fn parse_addr(text: &str) -> Result<u32, String> {
    text.parse::<Ipv4Addr>()
        .map(u32::from)
        .map_err(|_| format!("invalid IP address: {text}"))
}

/// An address and its network's prefix (`10.0.1.5/24`) split into the address.
pub fn addr_of(with_prefix: &str) -> Option<u32> {
    let addr = with_prefix.split('/').next()?;
    addr.parse::<Ipv4Addr>().ok().map(u32::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_go_and_clears_host_bits() {
        let c = Cidr::parse("10.0.1.7/24").expect("cidr");
        assert_eq!(c.to_string(), "10.0.1.0/24");
        for bad in ["10.0.0.0", "10.0.0.0/33", "10.0.0/24", "x/8", "10.0.0.0/+8"] {
            assert_eq!(
                Cidr::parse(bad).unwrap_err(),
                format!("invalid CIDR address: {bad}")
            );
        }
    }

    #[test]
    fn subnets_overlap_and_hosts() {
        let pool = Cidr::parse("10.0.0.0/8").expect("pool");
        assert_eq!(
            pool.subnet(24, 0).expect("first").to_string(),
            "10.0.0.0/24"
        );
        assert_eq!(pool.subnet(24, 257).expect("n").to_string(), "10.1.1.0/24");
        assert_eq!(pool.subnet(24, 1 << 16), None);
        assert_eq!(pool.subnet(4, 0), None, "larger than the pool");
        let a = Cidr::parse("10.0.0.0/16").expect("a");
        assert!(a.overlaps(Cidr::parse("10.0.5.0/24").expect("b")));
        assert!(!a.overlaps(Cidr::parse("10.1.0.0/24").expect("c")));
        let s = Cidr::parse("10.0.1.0/30").expect("s");
        let hosts: Vec<String> = s.hosts().map(|h| Ipv4Addr::from(h).to_string()).collect();
        assert_eq!(hosts, ["10.0.1.1", "10.0.1.2"]);
        assert_eq!(s.with_prefix(s.first() + 2), "10.0.1.2/30");
    }
}
