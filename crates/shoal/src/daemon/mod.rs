//! `shoal daemon`: parse the flags, take the data-dir lock, pick the executor, start the
//! node runtime and the API servers, and stop cleanly on SIGTERM/SIGINT.

mod args;
mod executor;
mod lock;

pub use args::DaemonArgs;

use anyhow::{Context, Result};
use shoal_http_api::{AppState, DaemonInfo, Endpoint};
use shoal_manager::{NodeRuntime, RuntimeConfig};
use std::sync::Arc;
use tokio::signal::unix::{signal, SignalKind};

pub async fn run(args: DaemonArgs) -> Result<()> {
    init_tracing();
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("creating data dir {}", args.data_dir.display()))?;
    let _lock = lock::DataDirLock::acquire(&args.data_dir)?;
    let endpoints = args
        .hosts()
        .iter()
        .map(|h| Endpoint::parse(h))
        .collect::<Result<Vec<_>, _>>()?;
    for ep in &endpoints {
        if ep.is_exposed() {
            tracing::warn!(
                "serving the API on {ep} WITHOUT TLS: anyone who can reach it controls this node"
            );
        }
    }
    let engine_labels = args.labels()?;
    let exec = executor::choose(&args).await?;
    tracing::info!("executor: {} ({})", exec.kind, exec.reason);

    let hostname = args.hostname.clone().unwrap_or_else(executor::hostname);
    let runtime = NodeRuntime::start(RuntimeConfig {
        data_dir: args.data_dir.clone(),
        executor: exec.executor.clone(),
        hostname: Some(hostname.clone()),
        engine_labels,
    })
    .await
    .context("starting the node runtime")?;
    let facts = exec.executor.describe().await.unwrap_or_default();
    let info = DaemonInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        hostname,
        os: std::env::consts::OS.to_string(),
        arch: std::env::consts::ARCH.to_string(),
        kernel: executor::kernel_version(),
        ncpu: facts.nano_cpus / 1_000_000_000,
        mem_total: facts.memory_bytes,
        executor: exec.kind.to_string(),
        data_dir: args.data_dir.display().to_string(),
    };
    let state = AppState {
        runtime: runtime.clone(),
        info: Arc::new(info),
    };
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut servers = shoal_http_api::serve(&endpoints, state, stop_rx).await?;
    for ep in &endpoints {
        tracing::info!("API listening on {ep}");
    }

    let mut term = signal(SignalKind::terminate()).context("installing SIGTERM handler")?;
    let mut int = signal(SignalKind::interrupt()).context("installing SIGINT handler")?;
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
        _ = int.recv() => tracing::info!("SIGINT: shutting down"),
    }
    // Stop taking requests first, then stop the node (flushes raft).
    let _ = stop_tx.send(true);
    let drain = async { while servers.join_next().await.is_some() {} };
    if tokio::time::timeout(std::time::Duration::from_secs(5), drain)
        .await
        .is_err()
    {
        tracing::warn!("some API connections did not close in 5 s; dropping them");
    }
    runtime.shutdown().await;
    for ep in &endpoints {
        if let Endpoint::Unix(p) = ep {
            let _ = std::fs::remove_file(p);
        }
    }
    drop(Arc::clone(&runtime));
    tracing::info!("stopped");
    Ok(())
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SHOAL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,openraft=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

#[allow(dead_code)]
fn _assert_runtime_is_shareable(r: Arc<NodeRuntime>) -> Arc<NodeRuntime> {
    r
}
