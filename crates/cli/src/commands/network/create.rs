//! `network create [OPTIONS] NETWORK`: builds docker's `NetworkCreateRequest` from the flags
//! (IPAM subnets and gateways checked the way docker's client checks them) and prints the
//! new network's ID. The driver is sent as given; the daemon decides which it accepts.

use crate::commands::errors::Usage;
use crate::commands::flags::{kv_map, validate_label, FlagParser};
use crate::commands::Ctx;
use clap::Args;
use serde_json::Value;
use shoal_api::network::{Ipam, IpamConfig, NetworkCreate};
use shoal_gocompat::csv;
use std::net::IpAddr;

pub const USAGE: Usage = Usage::new(
    "shoal network create",
    "shoal network create [OPTIONS] NETWORK",
);

#[derive(Args, Debug, Clone)]
pub struct CreateArgs {
    /// Driver to manage the Network
    #[arg(short = 'd', long, value_name = "string", default_value = "bridge")]
    pub driver: String,
    /// Set driver specific options
    #[arg(short = 'o', long = "opt", value_name = "map")]
    pub opts: Vec<String>,
    /// Set metadata on a network
    #[arg(long = "label", value_name = "list")]
    pub labels: Vec<String>,
    /// Restrict external access to the network
    #[arg(long)]
    pub internal: bool,
    /// Enable or disable IPv6 networking
    #[arg(long)]
    pub ipv6: bool,
    /// Enable manual container attachment
    #[arg(long)]
    pub attachable: bool,
    /// Create swarm routing-mesh network
    #[arg(long)]
    pub ingress: bool,
    /// Control the network's scope
    #[arg(long, value_name = "string", default_value = "")]
    pub scope: String,
    /// IP Address Management Driver
    #[arg(long = "ipam-driver", value_name = "string", default_value = "default")]
    pub ipam_driver: String,
    /// Set IPAM driver specific options
    #[arg(long = "ipam-opt", value_name = "map")]
    pub ipam_opts: Vec<String>,
    /// Subnet in CIDR format that represents a network segment
    #[arg(long = "subnet", value_name = "strings")]
    pub subnets: Vec<String>,
    /// Allocate container ip from a sub-range
    #[arg(long = "ip-range", value_name = "strings")]
    pub ip_ranges: Vec<String>,
    /// IPv4 or IPv6 Gateway for the master subnet
    #[arg(long = "gateway", value_name = "strings")]
    pub gateways: Vec<String>,
    #[arg(value_name = "NETWORK")]
    pub args: Vec<String>,
}

impl Default for CreateArgs {
    /// The flags' defaults, as clap fills them in.
    fn default() -> Self {
        CreateArgs {
            driver: "bridge".into(),
            opts: vec![],
            labels: vec![],
            internal: false,
            ipv6: false,
            attachable: false,
            ingress: false,
            scope: String::new(),
            ipam_driver: "default".into(),
            ipam_opts: vec![],
            subnets: vec![],
            ip_ranges: vec![],
            gateways: vec![],
            args: vec![],
        }
    }
}

/// pflag's `StringSlice`: every occurrence is a comma-separated (CSV) list.
fn string_slice(flag: &str, values: &[String]) -> crate::commands::CliResult<Vec<String>> {
    let mut out = Vec::new();
    for v in values.iter().filter(|v| !v.is_empty()) {
        out.extend(csv::fields(v).map_err(|why| USAGE.flag_error(flag, v, why))?);
    }
    Ok(out)
}

/// Go's `net.ParseCIDR`: an address and a prefix length within its family's bits.
fn parse_cidr(s: &str) -> Result<(IpAddr, u8), String> {
    let bad = || format!("invalid CIDR address: {s}");
    let (addr, bits) = s.split_once('/').ok_or_else(bad)?;
    let addr: IpAddr = addr.parse().map_err(|_| bad())?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    if bits.is_empty() || !bits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let bits: u8 = bits.parse().map_err(|_| bad())?;
    if bits > max {
        return Err(bad());
    }
    Ok((addr, bits))
}

/// IPv4-mapped IPv6 addresses count as IPv4, as in Go.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Go's `IPNet.Contains` for the network `net/bits`: an IPv4-mapped network keeps the
/// last 32 bits of its mask; an address only matches a network of its own family.
fn contains(net: IpAddr, bits: u8, ip: IpAddr) -> bool {
    let (net, bits) = match (net, canonical(net)) {
        (IpAddr::V6(_), v4 @ IpAddr::V4(_)) => (v4, bits.saturating_sub(96)),
        _ => (net, bits),
    };
    let within = |a: u128, b: u128, width: u32| {
        let shift = width.saturating_sub(u32::from(bits));
        shift >= width || (a >> shift) == (b >> shift)
    };
    match (net, canonical(ip)) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            within(u128::from(u32::from(n)), u128::from(u32::from(i)), 32)
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => within(u128::from(n), u128::from(i), 128),
        _ => false,
    }
}

/// docker's `subnetMatches`: whether `data` (an address, or a CIDR's address) lies in
/// `subnet`.
fn subnet_matches(subnet: &str, data: &str) -> Result<bool, String> {
    let (net, bits) = parse_cidr(subnet).map_err(|e| format!("invalid subnet: {e}"))?;
    let ip = if data.contains('/') {
        parse_cidr(data)?.0
    } else {
        match data.parse::<IpAddr>() {
            Ok(ip) => ip,
            Err(_) => return Ok(false),
        }
    };
    Ok(contains(net, bits, ip))
}

/// docker's `consolidateIpam` for subnets, ranges and gateways: no overlapping subnets,
/// every range and gateway inside exactly one of them, at most one of each per subnet. The
/// configs keep the order the subnets were given in.
pub fn consolidate_ipam(
    subnets: &[String],
    ranges: &[String],
    gateways: &[String],
) -> Result<Vec<IpamConfig>, String> {
    if subnets.len() < ranges.len() || subnets.len() < gateways.len() {
        return Err("every ip-range or gateway must have a corresponding subnet".into());
    }
    let mut configs: Vec<IpamConfig> = Vec::new();
    for s in subnets {
        for k in &configs {
            if subnet_matches(s, &k.subnet)? || subnet_matches(&k.subnet, s)? {
                return Err("multiple overlapping subnet configuration is not supported".into());
            }
        }
        configs.push(IpamConfig {
            subnet: s.clone(),
            ..Default::default()
        });
    }
    for r in ranges {
        let mut matched = false;
        for c in configs.iter_mut() {
            if !subnet_matches(&c.subnet, r)? {
                continue;
            }
            if !c.ip_range.is_empty() {
                return Err(format!(
                    "cannot configure multiple ranges ({r}, {}) on the same subnet ({})",
                    c.ip_range, c.subnet
                ));
            }
            c.ip_range = r.clone();
            matched = true;
        }
        if !matched {
            return Err(format!("no matching subnet for range {r}"));
        }
    }
    for g in gateways {
        let mut matched = false;
        for c in configs.iter_mut() {
            if !subnet_matches(&c.subnet, g)? {
                continue;
            }
            if !c.gateway.is_empty() {
                return Err(format!(
                    "cannot configure multiple gateways ({g}, {}) for the same subnet ({})",
                    c.gateway, c.subnet
                ));
            }
            c.gateway = g.clone();
            matched = true;
        }
        if !matched {
            return Err(format!("no matching subnet for gateway {g}"));
        }
    }
    Ok(configs)
}

/// The `POST /networks/create` body for `name` and the flags.
pub fn request(name: &str, args: &CreateArgs) -> crate::commands::CliResult<NetworkCreate> {
    let p = FlagParser { usage: &USAGE };
    let labels = p.each("--label", &args.labels, validate_label)?;
    let subnets = string_slice("--subnet", &args.subnets)?;
    let ranges = string_slice("--ip-range", &args.ip_ranges)?;
    let gateways = string_slice("--gateway", &args.gateways)?;
    let config = consolidate_ipam(&subnets, &ranges, &gateways).map_err(anyhow::Error::msg)?;
    Ok(NetworkCreate {
        name: name.to_string(),
        driver: args.driver.clone(),
        scope: args.scope.clone(),
        internal: args.internal,
        attachable: args.attachable,
        ingress: args.ingress,
        enable_ipv6: args.ipv6,
        ipam: Some(Ipam {
            driver: args.ipam_driver.clone(),
            options: kv_map(&args.ipam_opts),
            config,
        }),
        options: kv_map(&args.opts),
        labels: kv_map(&labels),
        extra: Default::default(),
    })
}

pub async fn run(ctx: &mut Ctx, args: CreateArgs) -> crate::commands::CliResult {
    USAGE.check_args(args.args.len(), 1, Some(1))?;
    let body = request(&args.args[0], &args)?;
    let resp: Value = ctx
        .client
        .post_json("/networks/create", &body)
        .await?
        .json()?;
    // Docker's answer says `Id`; accept `ID` too.
    let id = resp["Id"]
        .as_str()
        .or(resp["ID"].as_str())
        .unwrap_or_default();
    ctx.println(id)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use serde_json::json;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: CreateArgs,
    }

    fn parse(argv: &[&str]) -> CreateArgs {
        Cli::try_parse_from(std::iter::once("create").chain(argv.iter().copied()))
            .unwrap()
            .args
    }

    fn body(argv: &[&str]) -> crate::commands::CliResult<Value> {
        let args = parse(argv);
        Ok(serde_json::to_value(request(&args.args[0], &args)?).unwrap())
    }

    #[test]
    fn defaults_are_dockers() {
        assert_eq!(
            body(&["net"]).unwrap(),
            json!({
                "Name": "net", "Driver": "bridge", "Scope": "", "Internal": false,
                "Attachable": false, "Ingress": false, "EnableIPv6": false,
                "IPAM": {"Driver": "default", "Options": {}, "Config": []},
                "Options": {}, "Labels": {}
            })
        );
        let d = CreateArgs::default();
        let p = parse(&["x"]);
        assert_eq!((d.driver, d.ipam_driver), (p.driver, p.ipam_driver));
    }

    #[test]
    fn every_flag() {
        let got = body(&[
            "-d",
            "overlay",
            "--attachable",
            "--internal",
            "--ipv6",
            "--label",
            "env=prod",
            "--label",
            "flag",
            "-o",
            "encrypted",
            "--opt",
            "com.docker.network.mtu=1400",
            "--subnet",
            "10.1.0.0/24,fd00::/64",
            "--subnet=10.2.0.0/16",
            "--gateway",
            "10.2.0.1",
            "--gateway",
            "10.1.0.254",
            "--scope",
            "swarm",
            "--ipam-opt",
            "a=b",
            "backend",
        ])
        .unwrap();
        assert_eq!(
            got,
            json!({
                "Name": "backend", "Driver": "overlay", "Scope": "swarm", "Internal": true,
                "Attachable": true, "Ingress": false, "EnableIPv6": true,
                "IPAM": {"Driver": "default", "Options": {"a": "b"}, "Config": [
                    {"Subnet": "10.1.0.0/24", "Gateway": "10.1.0.254"},
                    {"Subnet": "fd00::/64"},
                    {"Subnet": "10.2.0.0/16", "Gateway": "10.2.0.1"},
                ]},
                "Options": {"encrypted": "", "com.docker.network.mtu": "1400"},
                "Labels": {"env": "prod", "flag": ""}
            })
        );
    }

    #[test]
    fn ipam_errors_in_dockers_words() {
        let cases: &[(&[&str], &str)] = &[
            (
                &["--gateway", "10.0.0.1"],
                "every ip-range or gateway must have a corresponding subnet",
            ),
            (
                &["--subnet", "10.0.0.0/16", "--subnet", "10.0.1.0/24"],
                "multiple overlapping subnet configuration is not supported",
            ),
            (
                &["--subnet", "10.0.0.0/24", "--subnet", "10.0.0.0/24"],
                "multiple overlapping subnet configuration is not supported",
            ),
            // A lone subnet is not parsed by docker's client: the daemon judges it.
            (&["--subnet", "10.0.0.0/33"], ""),
            (
                &["--subnet", "10.0.0.0", "--gateway", "10.0.0.1"],
                "invalid subnet: invalid CIDR address: 10.0.0.0",
            ),
            (
                &["--subnet", "10.0.0.0/24", "--gateway", "10.0.1.1"],
                "no matching subnet for gateway 10.0.1.1",
            ),
            (
                &["--subnet", "10.0.0.0/24", "--gateway", "nonsense"],
                "no matching subnet for gateway nonsense",
            ),
            (
                &["--subnet", "10.0.0.0/24", "--gateway", "10.0.0.1/x"],
                "invalid CIDR address: 10.0.0.1/x",
            ),
            (
                &["--subnet", "10.0.0.0/24,10.1.0.0/24", "--gateway", "10.0.0.1,10.0.0.2"],
                "cannot configure multiple gateways (10.0.0.2, 10.0.0.1) for the same subnet (10.0.0.0/24)",
            ),
        ];
        for (flags, want) in cases {
            let mut argv = flags.to_vec();
            argv.push("net");
            let got = body(&argv)
                .map(|_| String::new())
                .unwrap_or_else(|e| e.to_string());
            assert_eq!(got, *want, "{flags:?}");
        }
    }

    #[test]
    fn bad_labels_are_flag_errors() {
        let e = body(&["--label", "=v", "net"]).unwrap_err();
        let e = e.status().unwrap();
        assert_eq!(e.code, 125);
        assert!(e.message.starts_with(
            "invalid argument \"=v\" for \"--label\" flag: invalid label '=v': empty name\n\n\
             Usage:  shoal network create [OPTIONS] NETWORK\n"
        ));
    }

    #[test]
    fn cidr_containment() {
        assert_eq!(subnet_matches("10.0.0.0/8", "10.255.1.2"), Ok(true));
        assert_eq!(subnet_matches("10.0.0.0/8", "11.0.0.1"), Ok(false));
        assert_eq!(subnet_matches("0.0.0.0/0", "1.2.3.4"), Ok(true));
        assert_eq!(subnet_matches("fd00::/64", "fd00::1"), Ok(true));
        assert_eq!(subnet_matches("fd00::/64", "fd00:0:0:1::1"), Ok(false));
        assert_eq!(subnet_matches("10.0.0.0/24", "::ffff:10.0.0.9"), Ok(true));
        assert_eq!(subnet_matches("10.0.0.0/24", "fd00::1"), Ok(false));
        assert_eq!(subnet_matches("fd00::/8", "10.0.0.1"), Ok(false));
        assert_eq!(subnet_matches("::ffff:10.0.0.0/120", "10.0.0.7"), Ok(true));
        assert_eq!(subnet_matches("::ffff:10.0.0.0/120", "10.0.1.7"), Ok(false));
        assert!(parse_cidr("10.0.0.0/+8").is_err());
        assert_eq!(
            parse_cidr("10.0.0.0/008"),
            Ok(("10.0.0.0".parse().unwrap(), 8))
        );
        assert!(parse_cidr("fd00::/129").is_err());
    }
}
