//! Swarm networks (`POST /networks/create`, `docker network ...`): swarm-scoped overlay
//! networks recorded in the replicated state, with Docker's JSON (note `Id`, not `ID`).
//!
//! shoal keeps the objects, their subnets (`shoal_core::ipam`) and which services use them,
//! so `docker network` and `docker stack deploy` work; it does not build overlay data paths
//! yet (see docs/architecture.md: tasks use their node's network).

use crate::meta::Labels;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `POST /networks/create`'s body (Docker's `NetworkCreateRequest`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NetworkCreate {
    pub name: String,
    pub driver: String,
    pub scope: String,
    pub internal: bool,
    pub attachable: bool,
    pub ingress: bool,
    #[serde(rename = "EnableIPv6")]
    pub enable_ipv6: bool,
    #[serde(rename = "IPAM", skip_serializing_if = "Option::is_none")]
    pub ipam: Option<Ipam>,
    pub options: Labels,
    pub labels: Labels,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Ipam {
    pub driver: String,
    pub options: Labels,
    pub config: Vec<IpamConfig>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct IpamConfig {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subnet: String,
    /// The part of the subnet task and service addresses come from (`--ip-range`).
    #[serde(rename = "IPRange", skip_serializing_if = "String::is_empty")]
    pub ip_range: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub gateway: String,
}

/// A network as `GET /networks` shows it (Docker's `NetworkResource`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Network {
    pub name: String,
    pub id: String,
    pub created: Timestamp,
    pub scope: String,
    pub driver: String,
    #[serde(rename = "EnableIPv6")]
    pub enable_ipv6: bool,
    #[serde(rename = "IPAM")]
    pub ipam: Ipam,
    pub internal: bool,
    pub attachable: bool,
    pub ingress: bool,
    pub config_only: bool,
    pub containers: Map<String, Value>,
    pub options: Labels,
    pub labels: Labels,
    /// Each node's own address on the network (node ID to `10.0.1.250/24`), from which it
    /// reaches tasks on other nodes for the routing mesh and VIPs (swarmkit's load-balancer
    /// attachments). shoal's addition to Docker's object.
    #[serde(
        rename = "ShoalNodeAddresses",
        skip_serializing_if = "std::collections::BTreeMap::is_empty"
    )]
    pub node_addresses: std::collections::BTreeMap<String, String>,
}

/// Checks a create request as Docker does; the text is what the client shows.
pub fn validate_network_create(req: &NetworkCreate) -> Result<(), String> {
    if req.name.trim().is_empty() {
        return Err("network name must not be empty".into());
    }
    let valid_name = req
        .name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        && req
            .name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
    if !valid_name {
        return Err(format!(
            "invalid name {:?}: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
            req.name
        ));
    }
    match req.driver.as_str() {
        "overlay" => {}
        "" | "bridge" => {
            return Err(format!(
                "shoal manages swarm networks only: create {:?} with --driver overlay",
                req.name
            ))
        }
        other => {
            return Err(format!(
                "network driver {other:?} is not supported: use overlay"
            ))
        }
    }
    if !matches!(req.scope.as_str(), "" | "swarm") {
        return Err(format!(
            "network scope {:?} is not supported: overlay networks are swarm-scoped",
            req.scope
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_overlay_networks_with_docker_names() {
        let req = |name: &str, driver: &str| NetworkCreate {
            name: name.into(),
            driver: driver.into(),
            ..Default::default()
        };
        assert!(validate_network_create(&req("app_default", "overlay")).is_ok());
        assert!(validate_network_create(&req("", "overlay")).is_err());
        assert!(validate_network_create(&req("bad name", "overlay")).is_err());
        let e = validate_network_create(&req("net", "bridge")).unwrap_err();
        assert!(e.contains("--driver overlay"), "{e}");
        assert!(validate_network_create(&req("net", "macvlan")).is_err());
    }
}
