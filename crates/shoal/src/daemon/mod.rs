//! `shoal daemon`: parse the flags, take the data-dir lock, pick the executor, start the
//! node runtime and the API servers, and stop cleanly on SIGTERM/SIGINT.

mod args;
mod executor;
mod lock;

pub use args::DaemonArgs;

use anyhow::{Context, Result};
use shoal_http_api::{AppState, DaemonInfo, Endpoint, ServerTls};
use shoal_node::{NodeRuntime, RuntimeConfig};
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
    let tls = match args.tls_files()? {
        Some(files) => Some(ServerTls::load(&files).context("cannot set up TLS for the API")?),
        None => None,
    };
    warn_insecure(&endpoints, tls.as_ref());
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
    let mut servers = shoal_http_api::serve(&endpoints, tls.as_ref(), state, stop_rx).await?;
    for ep in &endpoints {
        let how = match (ep, &tls) {
            (Endpoint::Unix(_), _) | (Endpoint::Tcp(_), None) => "",
            (Endpoint::Tcp(_), Some(t)) if t.verifies_clients() => {
                " (TLS, client certificates required)"
            }
            (Endpoint::Tcp(_), Some(_)) => " (TLS, any client)",
        };
        tracing::info!("API listening on {ep}{how}");
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

/// dockerd's warning, made accurate: without --tlsverify, anyone who can connect to an
/// exposed TCP endpoint drives the cluster and runs what they like on this host.
fn warn_insecure(endpoints: &[Endpoint], tls: Option<&ServerTls>) {
    let tcp = endpoints.iter().any(|e| matches!(e, Endpoint::Tcp(_)));
    if tls.is_some() && !tcp {
        tracing::warn!("--tls/--tlsverify has no effect: no tcp:// host (unix sockets stay plain)");
    }
    for ep in endpoints.iter().filter(|e| e.is_exposed()) {
        let how = match tls {
            Some(t) if t.verifies_clients() => continue,
            Some(_) => "with --tls but WITHOUT --tlsverify: the traffic is encrypted, yet",
            None => "WITHOUT TLS:",
        };
        tracing::warn!(
            "WARNING: serving the API on {ep} {how} anyone who can connect to it controls the \
             cluster and can run any command on this host as the daemon's user (root, \
             usually). Use --tlsverify with --tlscacert, --tlscert and --tlskey, or listen on \
             127.0.0.1 or a unix socket."
        );
    }
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
