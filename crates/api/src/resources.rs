//! `TaskSpec.Resources`: CPU (nano-CPUs), memory (bytes) and pids limits and
//! reservations, typed as Docker's JSON has them, plus [`TaskResources`], the decoded
//! amounts (0: unset) the scheduler and executors act on.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Docker's `ResourceRequirements`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ResourceRequirements {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limits: Option<ResourceAmounts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reservations: Option<ResourceAmounts>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One of `Limits` (`Pids` only there) or `Reservations` (`GenericResources`, passed
/// through in `extra`, only there).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ResourceAmounts {
    #[serde(rename = "NanoCPUs", skip_serializing_if = "Option::is_none")]
    pub nano_cpus: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_bytes: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pids: Option<i64>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One of `Limits` / `Reservations`; 0 means unset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Amounts {
    pub nano_cpus: i64,
    pub memory_bytes: i64,
    /// Limits only: the maximum number of processes (0: unlimited).
    pub pids: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TaskResources {
    pub limits: Amounts,
    pub reservations: Amounts,
}

fn amounts(a: Option<&ResourceAmounts>) -> Amounts {
    Amounts {
        nano_cpus: a.and_then(|a| a.nano_cpus).unwrap_or(0),
        memory_bytes: a.and_then(|a| a.memory_bytes).unwrap_or(0),
        pids: a.and_then(|a| a.pids).unwrap_or(0),
    }
}

impl TaskResources {
    /// The amounts of a task spec's `Resources` (all 0 when absent).
    pub fn of(resources: Option<&ResourceRequirements>) -> TaskResources {
        let r = resources;
        TaskResources {
            limits: amounts(r.and_then(|r| r.limits.as_ref())),
            reservations: amounts(r.and_then(|r| r.reservations.as_ref())),
        }
    }
}

/// swarmkit's check of one section: at least 0.001 CPU and 4 MiB when set.
pub fn validate(a: &Amounts) -> Result<(), String> {
    if a.nano_cpus != 0 && a.nano_cpus < 1_000_000 {
        return Err(format!(
            "invalid cpu value {}: Must be at least 0.001",
            go_g(a.nano_cpus as f64 / 1e9)
        ));
    }
    if a.memory_bytes != 0 && a.memory_bytes < 4 * 1024 * 1024 {
        return Err(format!(
            "invalid memory value {}: Must be at least 4MiB",
            a.memory_bytes
        ));
    }
    if a.pids < 0 {
        return Err(format!(
            "invalid pids value {}: Must not be negative",
            a.pids
        ));
    }
    Ok(())
}

/// Go's `%g` for the small values this prints (`-1`, `0.0005`).
fn go_g(f: f64) -> String {
    let s = format!("{f}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_limits_and_reservations() {
        let spec = crate::service::TaskSpec {
            resources: Some(
                serde_json::from_value(json!({
                    "Limits": {"NanoCPUs": 500_000_000, "MemoryBytes": 67_108_864, "Pids": 10},
                    "Reservations": {"NanoCPUs": 250_000_000}
                }))
                .expect("resources"),
            ),
            ..Default::default()
        };
        let r = TaskResources::of(spec.resources.as_ref());
        assert_eq!(r.limits.nano_cpus, 500_000_000);
        assert_eq!(r.limits.memory_bytes, 67_108_864);
        assert_eq!(r.limits.pids, 10);
        assert_eq!(r.reservations.nano_cpus, 250_000_000);
        assert_eq!(r.reservations.memory_bytes, 0);
        assert_eq!(TaskResources::of(None), TaskResources::default());
    }

    #[test]
    fn swarmkit_minimums() {
        let cpu = Amounts {
            nano_cpus: -1_000_000_000,
            ..Default::default()
        };
        assert_eq!(
            validate(&cpu).unwrap_err(),
            "invalid cpu value -1: Must be at least 0.001"
        );
        let mem = Amounts {
            memory_bytes: 1024,
            ..Default::default()
        };
        assert_eq!(
            validate(&mem).unwrap_err(),
            "invalid memory value 1024: Must be at least 4MiB"
        );
        assert!(validate(&Amounts::default()).is_ok());
    }
}
