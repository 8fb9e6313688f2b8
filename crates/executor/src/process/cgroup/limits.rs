//! A task's limits as the files to write in its cgroup, per hierarchy version: what value
//! goes in which file, in which order, and which files may be missing.

use super::{Controller, Version};
use crate::Limits;

/// The CFS period shoal uses (also the kernel's and Docker's default), in microseconds.
const CPU_PERIOD_US: i64 = 100_000;
/// The smallest quota the kernel accepts, in microseconds.
const MIN_CPU_QUOTA_US: i64 = 1_000;

/// One file to write in a task's cgroup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Setting {
    pub(crate) controller: Controller,
    pub(crate) file: &'static str,
    pub(crate) value: String,
    /// Whether the limit is void without it. Optional files (swap, soft limits) depend on
    /// kernel options; their absence is not an error.
    pub(crate) required: bool,
}

/// The files to write for `limits` (0: unlimited, nothing written) and a memory soft limit.
pub(crate) fn settings(version: Version, limits: &Limits, memory_reservation: i64) -> Vec<Setting> {
    let setting = |controller, file, value: String, required| Setting {
        controller,
        file,
        value,
        required,
    };
    let mut out = Vec::new();
    if limits.nano_cpus > 0 {
        let quota = cpu_quota_us(limits.nano_cpus);
        match version {
            Version::V2 => out.push(setting(
                Controller::Cpu,
                "cpu.max",
                format!("{quota} {CPU_PERIOD_US}"),
                true,
            )),
            Version::V1 => {
                // The period first: the quota is checked against it.
                out.push(setting(
                    Controller::Cpu,
                    "cpu.cfs_period_us",
                    CPU_PERIOD_US.to_string(),
                    true,
                ));
                out.push(setting(
                    Controller::Cpu,
                    "cpu.cfs_quota_us",
                    quota.to_string(),
                    true,
                ));
            }
        }
    }
    if limits.memory_bytes > 0 {
        let bytes = limits.memory_bytes;
        match version {
            Version::V2 => {
                out.push(setting(
                    Controller::Memory,
                    "memory.max",
                    bytes.to_string(),
                    true,
                ));
                // Docker's default: as much swap as memory.
                out.push(setting(
                    Controller::Memory,
                    "memory.swap.max",
                    bytes.to_string(),
                    false,
                ));
            }
            Version::V1 => {
                out.push(setting(
                    Controller::Memory,
                    "memory.limit_in_bytes",
                    bytes.to_string(),
                    true,
                ));
                // memory + swap, hence twice the memory for Docker's default; written after
                // the memory limit, which it may not be below.
                out.push(setting(
                    Controller::Memory,
                    "memory.memsw.limit_in_bytes",
                    bytes.saturating_mul(2).to_string(),
                    false,
                ));
            }
        }
    }
    if memory_reservation > 0 && limits.any() {
        let file = match version {
            Version::V2 => "memory.low",
            Version::V1 => "memory.soft_limit_in_bytes",
        };
        out.push(setting(
            Controller::Memory,
            file,
            memory_reservation.to_string(),
            false,
        ));
    }
    if limits.pids > 0 {
        out.push(setting(
            Controller::Pids,
            "pids.max",
            limits.pids.to_string(),
            true,
        ));
    }
    out
}

/// CFS quota per [`CPU_PERIOD_US`] for `nano_cpus` (1e9 = one CPU), at least the kernel's
/// minimum.
pub(crate) fn cpu_quota_us(nano_cpus: i64) -> i64 {
    let quota = i128::from(nano_cpus) * i128::from(CPU_PERIOD_US) / 1_000_000_000;
    i64::try_from(quota)
        .unwrap_or(i64::MAX)
        .max(MIN_CPU_QUOTA_US)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_quota_per_100ms_period() {
        assert_eq!(cpu_quota_us(500_000_000), 50_000);
        assert_eq!(cpu_quota_us(2_000_000_000), 200_000);
        // Below the kernel's 1 ms minimum: rounded up to it.
        assert_eq!(cpu_quota_us(1_000_000), 1_000);
    }

    #[test]
    fn settings_per_version() {
        let limits = Limits {
            nano_cpus: 1_500_000_000,
            memory_bytes: 64 << 20,
            pids: 100,
        };
        let files = |v| {
            settings(v, &limits, 32 << 20)
                .into_iter()
                .map(|s| (s.file, s.value, s.required))
                .collect::<Vec<_>>()
        };
        let s = |x: &str| x.to_string();
        assert_eq!(
            files(Version::V2),
            vec![
                ("cpu.max", s("150000 100000"), true),
                ("memory.max", s("67108864"), true),
                ("memory.swap.max", s("67108864"), false),
                ("memory.low", s("33554432"), false),
                ("pids.max", s("100"), true),
            ]
        );
        assert_eq!(
            files(Version::V1),
            vec![
                ("cpu.cfs_period_us", s("100000"), true),
                ("cpu.cfs_quota_us", s("150000"), true),
                ("memory.limit_in_bytes", s("67108864"), true),
                ("memory.memsw.limit_in_bytes", s("134217728"), false),
                ("memory.soft_limit_in_bytes", s("33554432"), false),
                ("pids.max", s("100"), true),
            ]
        );
        // No limits: no cgroup, even with a reservation.
        assert!(settings(Version::V2, &Limits::default(), 1 << 20).is_empty());
    }
}
