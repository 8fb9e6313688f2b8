//! A service's placement, parsed once per pass: constraints, spread preferences and the
//! per-node replica limit, plus the check the API runs before accepting a spec.

pub mod constraint;
pub mod explain;

use constraint::Constraint;
use shoal_api::{Node, Placement, TaskSpec};

/// What the scheduler needs of `TaskSpec.Placement`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rules {
    pub constraints: Vec<Constraint>,
    /// Spread descriptors (`node.labels.dc`), outermost first.
    pub spread: Vec<String>,
    /// 0: no limit.
    pub max_replicas: u64,
}

impl Rules {
    /// Rules of a task spec. Constraints that do not parse are ignored, as swarmkit's
    /// scheduler does (the API refuses them first).
    pub fn of(spec: &TaskSpec) -> Rules {
        let Some(p) = &spec.placement else {
            return Rules::default();
        };
        Rules {
            constraints: constraint::parse(&p.constraints).unwrap_or_default(),
            spread: p
                .preferences
                .iter()
                .filter_map(|p| p.spread_descriptor())
                .map(str::to_string)
                .collect(),
            max_replicas: p.max_replicas.unwrap_or(0),
        }
    }

    pub fn matches(&self, node: &Node) -> bool {
        constraint::node_matches(&self.constraints, node)
    }
}

/// The value of a spread descriptor on `node` (`node.labels.k` or `engine.labels.k`);
/// None when the node lacks the label (those nodes form a group of their own).
pub fn spread_value<'n>(descriptor: &str, node: &'n Node) -> Option<&'n str> {
    let label = |prefix: &str| {
        (descriptor.len() > prefix.len()
            && descriptor.is_char_boundary(prefix.len())
            && descriptor[..prefix.len()].eq_ignore_ascii_case(prefix))
        .then(|| &descriptor[prefix.len()..])
    };
    if let Some(k) = label("node.labels.") {
        node.spec.labels.get(k)
    } else if let Some(k) = label("engine.labels.") {
        node.description.engine.labels.get(k)
    } else {
        None
    }
    .map(String::as_str)
}

/// Checks a spec's placement as swarmkit's control API does; the error is its message.
pub fn validate(placement: Option<&Placement>) -> Result<(), String> {
    let Some(p) = placement else { return Ok(()) };
    constraint::parse(&p.constraints).map(|_| ())
}
