//! The engine networks a task's container joins: for each swarm network, one bridge network
//! on the node's engine, named by [`TaskNetwork::engine_name`], with the swarm network's
//! subnet and gateway and the bridge named
//! [`TaskNetwork::bridge`], where the node's data plane finds it. The container gets the
//! address the manager allocated. Made when the first task on the node needs it; removed
//! when the last container on it is gone.

use bollard::models::{
    EndpointIpamConfig, EndpointSettings, Ipam, IpamConfig, NetworkConnectRequest,
    NetworkCreateRequest, NetworkingConfig,
};
use bollard::query_parameters::ListContainersOptionsBuilder;
use bollard::Docker;
use std::collections::HashMap;

use super::engine::{message_of, status_of};
use crate::{labels, ExecError, TaskNetwork};

/// Makes the engine network for `net` unless it exists; an engine network of that name that
/// is not shoal's for the same swarm network is an error (its name is taken).
pub(crate) async fn ensure(docker: &Docker, net: &TaskNetwork) -> Result<(), ExecError> {
    if exists(docker, net).await? {
        return Ok(());
    }
    match docker.create_network(create_request(net)).await {
        Ok(_) => Ok(()),
        // Another task's start made it meanwhile (the engine answers a conflict, or that
        // the pool overlaps the network just made): fine once it is there.
        Err(e) => match exists(docker, net).await {
            Ok(true) => Ok(()),
            _ => Err(ExecError::Rejected(format!(
                "creating network {} on the engine: {}",
                net.name,
                message_of(&e)
            ))),
        },
    }
}

/// Whether the engine has shoal's network for `net`; an engine network of that name that is
/// not it is an error (its name is taken).
async fn exists(docker: &Docker, net: &TaskNetwork) -> Result<bool, ExecError> {
    match docker.inspect_network(&net.engine_name(), None).await {
        Ok(found) => {
            let ours = found
                .labels
                .as_ref()
                .and_then(|l| l.get(labels::NETWORK_ID))
                .is_some_and(|id| *id == net.id);
            if ours {
                Ok(true)
            } else {
                Err(ExecError::Rejected(format!(
                    "the engine already has a network named {:?} that is not swarm network {}: \
                     remove or rename it (docker network rm {})",
                    net.engine_name(),
                    net.id,
                    net.engine_name()
                )))
            }
        }
        Err(e) if status_of(&e) == Some(404) => Ok(false),
        Err(e) => Err(ExecError::Rejected(message_of(&e))),
    }
}

fn create_request(net: &TaskNetwork) -> NetworkCreateRequest {
    let mut options = HashMap::from([("com.docker.network.bridge.name".to_string(), net.bridge())]);
    if let Some(mtu) = net.mtu {
        options.insert("com.docker.network.driver.mtu".into(), mtu.to_string());
    }
    NetworkCreateRequest {
        name: net.engine_name(),
        driver: Some("bridge".into()),
        attachable: Some(true),
        ipam: Some(Ipam {
            driver: Some("default".into()),
            config: Some(vec![IpamConfig {
                subnet: Some(net.subnet.clone()),
                gateway: Some(net.gateway.clone()).filter(|g| !g.is_empty()),
                ..Default::default()
            }]),
            options: None,
        }),
        options: Some(options),
        labels: Some(HashMap::from([
            (labels::NETWORK_ID.to_string(), net.id.clone()),
            (labels::MANAGED.to_string(), "true".to_string()),
        ])),
        ..Default::default()
    }
}

/// The endpoint of a container on `net`: its allocated address.
fn endpoint(net: &TaskNetwork) -> EndpointSettings {
    EndpointSettings {
        ipam_config: Some(EndpointIpamConfig {
            ipv4_address: Some(net.ip().to_string()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The create body's network part: the first network (older engines take one at create).
pub(crate) fn networking_config(networks: &[TaskNetwork]) -> Option<NetworkingConfig> {
    let first = networks.first()?;
    Some(NetworkingConfig {
        endpoints_config: Some(HashMap::from([(first.engine_name(), endpoint(first))])),
    })
}

/// Connects a created container to the task's other networks, before it starts.
pub(crate) async fn connect_rest(
    docker: &Docker,
    container: &str,
    networks: &[TaskNetwork],
) -> Result<(), ExecError> {
    for net in networks.iter().skip(1) {
        let req = NetworkConnectRequest {
            container: container.to_string(),
            endpoint_config: Some(endpoint(net)),
        };
        match docker.connect_network(&net.engine_name(), req).await {
            Ok(()) => {}
            // Connected already (an adopted, half-prepared container).
            Err(e) if status_of(&e) == Some(403) || status_of(&e) == Some(409) => {}
            Err(e) => {
                return Err(ExecError::Rejected(format!(
                    "connecting to network {}: {}",
                    net.name,
                    message_of(&e)
                )))
            }
        }
    }
    Ok(())
}

/// Removes the engine networks shoal made that no container (in any state: a created one
/// has not joined yet) is on any more.
pub(crate) async fn release_unused(docker: &Docker, networks: &[TaskNetwork]) {
    for net in networks {
        if !matches!(exists(docker, net).await, Ok(true)) {
            continue;
        }
        let name = net.engine_name();
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&HashMap::from([("network", vec![name.as_str()])]))
            .build();
        let unused = docker
            .list_containers(Some(options))
            .await
            .is_ok_and(|c| c.is_empty());
        if unused {
            let _ = docker.remove_network(&net.engine_name()).await;
        }
    }
}
