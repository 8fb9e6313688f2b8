//! `network inspect [-f FORMAT] [-v] NETWORK...`: the daemon's JSON for each network in one
//! 4-space-indented array, or a template per network; networks that do not exist are
//! reported after the output (`Error: No such network: X`), exit status 1.

use super::path;
use crate::client::ClientError;
use crate::commands::errors::Usage;
use crate::commands::inspect::{self as inspect_fmt, Fetched};
use crate::commands::Ctx;
use clap::Args;

pub const USAGE: Usage = Usage::new(
    "shoal network inspect",
    "shoal network inspect [OPTIONS] NETWORK [NETWORK...]",
);

#[derive(Args, Debug, Clone, Default)]
pub struct InspectArgs {
    /// Format output using a custom template
    #[arg(short = 'f', long, value_name = "string", default_value = "")]
    pub format: String,
    /// Verbose output for diagnostics
    #[arg(short = 'v', long)]
    pub verbose: bool,
    #[arg(value_name = "NETWORK")]
    pub networks: Vec<String>,
}

/// The wording docker's client uses for a network the daemon does not know.
pub fn not_found(reference: &str) -> String {
    format!("Error: No such network: {reference}")
}

/// One network's outcome as `inspect` reports it: a 404 in docker's words, any other
/// error as the client worded it.
pub fn fetched(reference: &str, result: Result<String, ClientError>) -> Fetched {
    match result {
        Ok(raw) => Ok(raw),
        Err(e) if e.is_not_found() => Err(not_found(reference)),
        Err(e) => Err(e.to_string()),
    }
}

/// The `GET` path for one network.
pub fn inspect_path(reference: &str, verbose: bool) -> String {
    let p = path(reference);
    if verbose {
        format!("{p}?verbose=true")
    } else {
        p
    }
}

pub async fn run(ctx: &mut Ctx, args: InspectArgs) -> crate::commands::CliResult {
    USAGE.check_args(args.networks.len(), 1, None)?;
    let mut all = Vec::new();
    for r in &args.networks {
        let result = ctx
            .client
            .get(&inspect_path(r, args.verbose))
            .await
            .map(|resp| resp.text());
        all.push(fetched(r, result));
    }
    let (out, err) = inspect_fmt::render(&args.format, &all)?;
    ctx.print(&out)?;
    match err {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn found_and_missing_networks() {
        let all = vec![
            fetched("web", Ok(r#"{"Name":"web","Id":"abc"}"#.to_string())),
            fetched(
                "nope",
                Err(ClientError::Api {
                    status: 404,
                    message: "network nope not found".into(),
                }),
            ),
            fetched(
                "busy",
                Err(ClientError::Api {
                    status: 500,
                    message: "boom".into(),
                }),
            ),
        ];
        let (out, err) = inspect_fmt::render("", &all).unwrap();
        assert_eq!(
            out,
            "[\n    {\n        \"Name\": \"web\",\n        \"Id\": \"abc\"\n    }\n]\n"
        );
        let err = err.unwrap();
        assert_eq!(err.code, 1);
        assert_eq!(
            err.message,
            "Error: No such network: nope\nError response from daemon: boom"
        );
        let (out, _) = inspect_fmt::render("{{.Id}} {{.Name}}", &all).unwrap();
        assert_eq!(out, "abc web\n");
    }

    #[test]
    fn paths() {
        assert_eq!(inspect_path("web", false), "/networks/web");
        assert_eq!(inspect_path("web", true), "/networks/web?verbose=true");
    }
}
