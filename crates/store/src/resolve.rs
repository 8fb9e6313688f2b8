//! Object references as the Docker API resolves them: full ID, then exact name, then a
//! unique ID prefix.

use crate::state::State;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Service,
    Node,
    Task,
    Secret,
    Config,
    Network,
}

impl Kind {
    pub fn word(&self) -> &'static str {
        match self {
            Kind::Service => "service",
            Kind::Node => "node",
            Kind::Task => "task",
            Kind::Secret => "secret",
            Kind::Config => "config",
            Kind::Network => "network",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    Found(String),
    NotFound,
    Ambiguous(usize),
}

/// Resolves `reference` to an object ID of `kind`.
pub fn resolve(state: &State, kind: Kind, reference: &str) -> Resolved {
    if reference.is_empty() {
        return Resolved::NotFound;
    }
    let ids_names: Vec<(&str, &str)> = match kind {
        Kind::Service => state
            .services
            .values()
            .map(|s| (s.id.as_str(), s.spec.name.as_str()))
            .collect(),
        Kind::Node => state
            .nodes
            .values()
            .map(|n| (n.id.as_str(), n.description.hostname.as_str()))
            .collect(),
        Kind::Task => state
            .tasks
            .values()
            .map(|t| (t.id.as_str(), t.name.as_str()))
            .collect(),
        Kind::Secret => state
            .secrets
            .values()
            .map(|s| (s.id.as_str(), s.spec.name.as_str()))
            .collect(),
        Kind::Config => state
            .configs
            .values()
            .map(|s| (s.id.as_str(), s.spec.name.as_str()))
            .collect(),
        Kind::Network => state
            .networks
            .values()
            .map(|n| (n.id.as_str(), n.name.as_str()))
            .collect(),
    };
    if let Some((id, _)) = ids_names.iter().find(|(id, _)| *id == reference) {
        return Resolved::Found(id.to_string());
    }
    let by_name: Vec<&str> = ids_names
        .iter()
        .filter(|(_, n)| *n == reference)
        .map(|(id, _)| *id)
        .collect();
    match by_name.len() {
        1 => return Resolved::Found(by_name[0].to_string()),
        n if n > 1 => return Resolved::Ambiguous(n),
        _ => {}
    }
    let by_prefix: Vec<&str> = ids_names
        .iter()
        .filter(|(id, _)| id.starts_with(reference))
        .map(|(id, _)| *id)
        .collect();
    match by_prefix.len() {
        0 => Resolved::NotFound,
        1 => Resolved::Found(by_prefix[0].to_string()),
        n => Resolved::Ambiguous(n),
    }
}
