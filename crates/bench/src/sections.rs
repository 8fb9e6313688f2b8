//! Section titles and row labels of the report, shared by the parts of the bench.

pub const CONV_D: &str = "Convergence, docker executor: service create → all N tasks running";
pub const CONV_P: &str =
    "Convergence, process executor (shoal only): service create → all N tasks running";
pub const KILL: &str = "Killed task back: kill → replacement task running (1 replica)";
pub const LS: &str = "`service ls` with many services (0 replicas each)";
pub const RSS: &str = "Daemon resident memory (VmRSS; Swarm column: dockerd)";

pub const KILL_PROCESS: &str = "process executor (SIGKILL the `sleep`)";
pub const KILL_DOCKER: &str = "docker executor (`docker kill` the container)";
pub const RSS_BEFORE: &str = "dockerd before the bench (swarm inactive)";
pub const RSS_IDLE_D: &str = "idle after swarm init, no services: docker executor";
pub const RSS_IDLE_P: &str = "idle after swarm init, no services: process executor";

pub fn rss_services_label(n: usize) -> String {
    format!("with {n} services of 0 replicas")
}

pub fn rss_tasks_label(n: u64, what: &str) -> String {
    format!("with {n} running tasks ({what})")
}
