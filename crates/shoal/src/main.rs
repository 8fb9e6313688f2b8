//! `shoal`: one binary for the node daemon (`shoal daemon`) and the client (every other
//! subcommand, with `docker`'s grammar). This file only parses arguments and dispatches.

mod daemon;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "shoal",
    version,
    about = "A container orchestrator with Docker Swarm's model and interface"
)]
struct Cli {
    /// Daemon socket to connect to (unix:///path or tcp://host:port)
    #[arg(short = 'H', long = "host", env = "SHOAL_HOST")]
    host: Option<String>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a shoal node (manager or worker)
    Daemon(daemon::DaemonArgs),
    #[command(flatten)]
    Client(shoal_cli::ClientCommand),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 125 } else { 0 };
            let _ = e.print();
            // Like docker: usage errors exit 125.
            return ExitCode::from(code);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("shoal: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match cli.cmd {
        Cmd::Daemon(args) => match rt.block_on(daemon::run(args)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("shoal daemon: {e:#}");
                ExitCode::from(1)
            }
        },
        Cmd::Client(cmd) => match rt.block_on(shoal_cli::run(cli.host, cmd)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                // Like docker: the error's text (none for an empty status
                // error), then its exit status (1 unless it carries one).
                let _ = e.report(&mut std::io::stderr());
                ExitCode::from(e.exit_code())
            }
        },
    }
}
