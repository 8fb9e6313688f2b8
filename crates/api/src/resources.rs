//! `TaskSpec.Resources`, decoded: CPU (nano-CPUs) and memory (bytes) limits and
//! reservations. The spec keeps the client's JSON verbatim (generic resources, pids...);
//! this reads the parts shoal acts on.

use crate::service::TaskSpec;
use serde_json::Value;

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

fn amounts(v: Option<&Value>) -> Amounts {
    let get = |k: &str| {
        v.and_then(|s| s.get(k))
            .and_then(Value::as_i64)
            .unwrap_or(0)
    };
    Amounts {
        nano_cpus: get("NanoCPUs"),
        memory_bytes: get("MemoryBytes"),
        pids: get("Pids"),
    }
}

impl TaskResources {
    pub fn of(spec: &TaskSpec) -> TaskResources {
        let r = spec.resources.as_ref();
        TaskResources {
            limits: amounts(r.and_then(|r| r.get("Limits"))),
            reservations: amounts(r.and_then(|r| r.get("Reservations"))),
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
        let spec = TaskSpec {
            resources: Some(json!({
                "Limits": {"NanoCPUs": 500_000_000, "MemoryBytes": 67_108_864, "Pids": 10},
                "Reservations": {"NanoCPUs": 250_000_000}
            })),
            ..Default::default()
        };
        let r = TaskResources::of(&spec);
        assert_eq!(r.limits.nano_cpus, 500_000_000);
        assert_eq!(r.limits.memory_bytes, 67_108_864);
        assert_eq!(r.limits.pids, 10);
        assert_eq!(r.reservations.nano_cpus, 250_000_000);
        assert_eq!(r.reservations.memory_bytes, 0);
        assert_eq!(
            TaskResources::of(&TaskSpec::default()),
            TaskResources::default()
        );
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
