//! Addresses through the stock docker CLI: `swarm init` with custom address pools, subnet
//! size and data path port (shown by `docker info` and `network inspect`), networks carved
//! from those pools and refused when they overlap, and a service's virtual IPs and its
//! tasks' addresses in `inspect`.

mod common;

use common::{wait_for, Daemon};
use serde_json::Value;
use std::time::Duration;

fn json(out: &str) -> Value {
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn custom_pools_networks_virtual_ips_and_task_addresses() {
    let d = Daemon::start("process");
    d.docker_ok(&[
        "swarm",
        "init",
        "--default-addr-pool",
        "10.20.0.0/16",
        "--default-addr-pool-mask-length",
        "26",
        "--data-path-port",
        "7777",
    ]);
    let cluster = json(&d.docker_ok(&["info", "--format", "{{json .Swarm.Cluster}}"]));
    assert_eq!(
        cluster["DefaultAddrPool"],
        serde_json::json!(["10.20.0.0/16"])
    );
    assert_eq!(cluster["SubnetSize"], 26);
    assert_eq!(cluster["DataPathPort"], 7777);
    let ingress = d.docker_ok(&[
        "network",
        "inspect",
        "ingress",
        "--format",
        "{{(index .IPAM.Config 0).Subnet}}",
    ]);
    assert_eq!(ingress.trim(), "10.20.0.0/26");

    d.docker_ok(&["network", "create", "-d", "overlay", "backend"]);
    let backend = d.docker_ok(&[
        "network",
        "inspect",
        "backend",
        "--format",
        "{{(index .IPAM.Config 0).Subnet}} {{(index .IPAM.Config 0).Gateway}}",
    ]);
    assert_eq!(backend.trim(), "10.20.0.64/26 10.20.0.65");
    let out = d.docker(&[
        "network",
        "create",
        "-d",
        "overlay",
        "--subnet",
        "10.20.0.96/27",
        "clash",
    ]);
    assert!(!out.status.success(), "an overlapping subnet is refused");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Pool overlaps with other one on this address space"),
        "{err}"
    );

    d.docker_ok(&[
        "service",
        "create",
        "-d",
        "--name",
        "db",
        "--replicas",
        "2",
        "--network",
        "backend",
        "busybox",
        "sleep",
        "100000",
    ]);
    let vips = json(&d.docker_ok(&[
        "service",
        "inspect",
        "db",
        "--format",
        "{{json .Endpoint.VirtualIPs}}",
    ]));
    assert_eq!(vips[0]["Addr"], "10.20.0.66/26", "{vips}");
    wait_for("2 running tasks", Duration::from_secs(60), || {
        d.running_tasks("db").len() == 2
    });
    let mut addrs: Vec<String> = d
        .running_tasks("db")
        .iter()
        .map(|t| {
            assert_eq!(
                t["NetworksAttachments"][0]["Network"]["Spec"]["Name"],
                "backend"
            );
            t["NetworksAttachments"][0]["Addresses"][0]
                .as_str()
                .expect("address")
                .to_string()
        })
        .collect();
    addrs.sort();
    assert_eq!(addrs, ["10.20.0.67/26", "10.20.0.68/26"]);

    // A port published without a number gets one from 30000-32767; a taken one is refused.
    d.docker_ok(&[
        "service", "create", "-d", "--name", "pub", "-p", "80", "busybox", "sleep", "100000",
    ]);
    let ports = d.docker_ok(&[
        "service",
        "ls",
        "--filter",
        "name=pub",
        "--format",
        "{{.Ports}}",
    ]);
    assert_eq!(ports.trim(), "*:30000->80/tcp");
    let out = d.docker(&[
        "service", "create", "-d", "--name", "pub2", "-p", "30000:80", "busybox", "sleep", "1",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("port '30000' is already in use by service 'pub'"),
        "{err}"
    );

    let out = d.docker(&["swarm", "leave", "--force"]);
    assert!(out.status.success());
    let out = d.docker(&["swarm", "init", "--data-path-port", "80"]);
    assert!(!out.status.success());
    // The daemon's words, unless the CLI refuses it first.
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("80"), "{err}");
}
