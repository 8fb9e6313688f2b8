//! Choosing the executor: `--executor` if given, else docker when the engine answers,
//! else the process executor (which needs nothing installed).

use super::args::{DaemonArgs, ExecutorKind};
use anyhow::{Context, Result};
use shoal_executor::docker::DockerExecutor;
use shoal_executor::process::ProcessExecutor;
use shoal_executor::Executor;
use std::sync::Arc;

pub struct Chosen {
    pub executor: Arc<dyn Executor>,
    pub kind: &'static str,
    pub reason: String,
}

pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "localhost".into())
}

pub fn kernel_version() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

async fn process(args: &DaemonArgs) -> Result<Arc<dyn Executor>> {
    let dir = args.data_dir.join("tasks");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let p = ProcessExecutor::new(dir, hostname());
    let reaped = p.reap_leftovers().await;
    if reaped > 0 {
        tracing::info!("killed {reaped} task process group(s) left by a previous daemon");
    }
    Ok(Arc::new(p))
}

pub async fn choose(args: &DaemonArgs) -> Result<Chosen> {
    match args.executor {
        Some(ExecutorKind::Process) => Ok(Chosen {
            executor: process(args).await?,
            kind: "process",
            reason: "chosen with --executor".into(),
        }),
        Some(ExecutorKind::Docker) => {
            let d = DockerExecutor::connect(&args.docker_host).with_context(|| {
                format!("connecting to the Docker Engine at {}", args.docker_host)
            })?;
            if !d.ping().await {
                anyhow::bail!(
                    "the Docker Engine at {} does not answer: start it, point --docker-host at it, or use --executor process",
                    args.docker_host
                );
            }
            Ok(Chosen {
                executor: Arc::new(d),
                kind: "docker",
                reason: "chosen with --executor".into(),
            })
        }
        None => {
            if let Ok(d) = DockerExecutor::connect(&args.docker_host) {
                if d.ping().await {
                    return Ok(Chosen {
                        executor: Arc::new(d),
                        kind: "docker",
                        reason: format!("the Docker Engine at {} answers", args.docker_host),
                    });
                }
            }
            Ok(Chosen {
                executor: process(args).await?,
                kind: "process",
                reason: format!("no Docker Engine answers at {}", args.docker_host),
            })
        }
    }
}
