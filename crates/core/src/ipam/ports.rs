//! Published ingress ports: a port published without a number gets one from Swarm's
//! dynamic range (30000-32767), kept across updates; a port another service already
//! publishes is refused with swarmkit's words. Host-mode ports are the scheduler's business
//! (they only collide on one node).

use shoal_api::{PortConfig, Service};
use shoal_store::State;
use std::collections::HashMap;
use std::ops::RangeInclusive;

/// Where ports published without a number come from.
pub const DYNAMIC_PORTS: RangeInclusive<u32> = 30000..=32767;

fn ingress(p: &PortConfig) -> bool {
    matches!(p.publish_mode.as_str(), "" | "ingress")
}

fn protocol(p: &PortConfig) -> &str {
    if p.protocol.is_empty() {
        "tcp"
    } else {
        &p.protocol
    }
}

/// The ports `service` publishes once numbered: its endpoint's ports, each ingress port
/// without a number given the one it `had` (same target and protocol) or the lowest free
/// one of [`DYNAMIC_PORTS`]. Fails when a port is taken by another service.
pub fn publish(
    st: &State,
    service: &Service,
    had: &[PortConfig],
) -> Result<Vec<PortConfig>, String> {
    // (port, protocol) -> the service publishing it.
    let mut taken: HashMap<(u32, String), &Service> = HashMap::new();
    for other in st.services.values().filter(|s| s.id != service.id) {
        for p in other.endpoint.ports.iter().filter(|p| ingress(p)) {
            if let Some(n) = p.published_port.filter(|n| *n > 0) {
                taken.insert((n, protocol(p).to_string()), other);
            }
        }
    }
    let mut out = Vec::with_capacity(service.endpoint.ports.len());
    let mut mine: Vec<(u32, String)> = Vec::new();
    for p in &service.endpoint.ports {
        let mut p = p.clone();
        if ingress(&p) {
            let proto = protocol(&p).to_string();
            let number = match p.published_port.filter(|n| *n > 0) {
                Some(n) => n,
                None => had
                    .iter()
                    .filter(|h| {
                        ingress(h) && h.target_port == p.target_port && protocol(h) == proto
                    })
                    .filter_map(|h| h.published_port)
                    .find(|n| {
                        DYNAMIC_PORTS.contains(n) && !taken.contains_key(&(*n, proto.clone()))
                    })
                    .or_else(|| {
                        DYNAMIC_PORTS.clone().find(|n| {
                            !taken.contains_key(&(*n, proto.clone()))
                                && !mine.contains(&(*n, proto.clone()))
                        })
                    })
                    .ok_or_else(|| {
                        "no free port left in the dynamic range 30000-32767".to_string()
                    })?,
            };
            if let Some(owner) = taken.get(&(number, proto.clone())) {
                return Err(format!(
                    "port '{number}' is already in use by service '{}' ({}) as an ingress port",
                    owner.spec.name, owner.id
                ));
            }
            mine.push((number, proto));
            p.published_port = Some(number);
        }
        out.push(p);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shoal_api::Endpoint;

    fn service(id: &str, ports: &[(u32, Option<u32>)]) -> Service {
        let mut s = Service {
            id: id.into(),
            ..Default::default()
        };
        s.spec.name = format!("svc-{id}");
        s.endpoint = Endpoint {
            ports: ports
                .iter()
                .map(|(t, p)| PortConfig {
                    protocol: "tcp".into(),
                    target_port: *t,
                    published_port: *p,
                    publish_mode: "ingress".into(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        };
        s
    }

    #[test]
    fn numbers_dynamic_ports_keeps_them_and_refuses_taken_ones() {
        let mut st = State::default();
        let a = service("a", &[(80, Some(8080)), (81, None)]);
        let ports = publish(&st, &a, &[]).expect("a");
        assert_eq!(ports[1].published_port, Some(30000));
        let mut a = a;
        a.endpoint.ports = ports.clone();
        st.services.insert("a".into(), a.clone());

        let b = service("b", &[(80, None), (90, None)]);
        let got = publish(&st, &b, &[]).expect("b");
        let numbers: Vec<_> = got.iter().map(|p| p.published_port).collect();
        assert_eq!(numbers, [Some(30001), Some(30002)]);
        // An update keeps the number it had.
        let again = publish(&st, &b, &got).expect("again");
        assert_eq!(again, got);

        let c = service("c", &[(80, Some(8080))]);
        assert_eq!(
            publish(&st, &c, &[]).unwrap_err(),
            "port '8080' is already in use by service 'svc-a' (a) as an ingress port"
        );
        // The service itself may keep its own port.
        assert_eq!(publish(&st, &a, &ports).expect("own"), ports);
    }
}
