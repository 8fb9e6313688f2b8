//! `network ls [-q] [--no-trunc] [--format F] [--filter k=v]`: networks sorted by name
//! (natural order) with their driver and scope, through docker's network formatter.

use crate::client::with_query;
use crate::commands::display::{natural_cmp, truncate_id};
use crate::commands::errors::Usage;
use crate::commands::filters;
use crate::commands::listfmt::{self, ListStyle};
use crate::commands::node::pretty::go_time_string;
use crate::commands::Ctx;
use clap::Args;
use serde_json::{json, Value};
use shoal_api::network::Network;

pub const USAGE: Usage = Usage::new("shoal network ls", "shoal network ls [OPTIONS]");

#[derive(Args, Debug, Clone, Default)]
pub struct LsArgs {
    /// Only display network IDs
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Do not truncate the output
    #[arg(long = "no-trunc")]
    pub no_trunc: bool,
    /// Format output using a custom template
    #[arg(long, value_name = "string", default_value = "")]
    pub format: String,
    /// Provide filter values (e.g. "driver=overlay")
    #[arg(short = 'f', long, value_name = "filter")]
    pub filter: Vec<String>,
    #[arg(hide = true)]
    pub extra: Vec<String>,
}

/// docker's network formatter: its default table, raw format and column headers.
pub const STYLE: ListStyle = ListStyle {
    default_table: "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}",
    raw: "network_id: {{.ID}}\\nname: {{.Name}}\\ndriver: {{.Driver}}\\nscope: {{.Scope}}\\n",
    raw_quiet: "network_id: {{.ID}}",
    headers: &[
        ("ID", "NETWORK ID"),
        ("Name", "NAME"),
        ("Driver", "DRIVER"),
        ("Scope", "SCOPE"),
        ("IPv6", "IPV6"),
        ("Internal", "INTERNAL"),
        ("Labels", "LABELS"),
        ("CreatedAt", "CREATED AT"),
    ],
};

pub async fn run(ctx: &mut Ctx, args: LsArgs) -> crate::commands::CliResult {
    let f = filters::parse(&args.filter, &USAGE)?;
    USAGE.check_args(args.extra.len(), 0, Some(0))?;
    let query: Vec<(&str, String)> = if f.is_empty() {
        vec![]
    } else {
        vec![("filters", filters::to_json(&f))]
    };
    let networks: Vec<Network> = ctx.client.get_json(&with_query("/networks", query)).await?;
    let out = render(&networks, &args.format, args.quiet, !args.no_trunc)?;
    ctx.print(&out)?;
    Ok(())
}

/// The list as docker prints it; `trunc` cuts IDs to 12 characters.
pub fn render(
    networks: &[Network],
    format: &str,
    quiet: bool,
    trunc: bool,
) -> anyhow::Result<String> {
    let mut sorted: Vec<&Network> = networks.iter().collect();
    sorted.sort_by(|a, b| natural_cmp(&a.name, &b.name));
    let rows: Vec<Value> = sorted.into_iter().map(|n| row(n, trunc)).collect();
    listfmt::render(&STYLE, format, quiet, &rows)
}

/// One network's template fields (docker's `networkContext`).
fn row(n: &Network, trunc: bool) -> Value {
    let labels: Vec<String> = n.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    json!({
        "ID": if trunc { truncate_id(&n.id) } else { n.id.clone() },
        "Name": n.name,
        "Driver": n.driver,
        "Scope": n.scope,
        "IPv6": n.enable_ipv6.to_string(),
        "Internal": n.internal.to_string(),
        "Labels": labels.join(","),
        "CreatedAt": go_time_string(n.created),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID1: &str = "3f1a9c0d2b7e4c5a8d6f0e1b2c3d4e5f";
    const ID2: &str = "9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d";

    fn networks() -> Vec<Network> {
        serde_json::from_value(json!([
            {"Name": "net10", "Id": ID2, "Created": "2024-01-02T03:04:05.5Z",
             "Scope": "swarm", "Driver": "overlay", "Internal": true,
             "Labels": {"env": "prod", "team": "a"}},
            {"Name": "ingress", "Id": ID1, "Created": "2024-01-01T00:00:00Z",
             "Scope": "swarm", "Driver": "overlay", "Ingress": true, "EnableIPv6": true},
            {"Name": "net9", "Id": "short", "Created": "2024-01-01T00:00:00Z",
             "Scope": "swarm", "Driver": "overlay"},
        ]))
        .unwrap()
    }

    #[test]
    fn default_table_sorted_by_name() {
        let n = networks();
        assert_eq!(
            render(&n, "", false, true).unwrap(),
            "NETWORK ID     NAME      DRIVER    SCOPE\n\
             3f1a9c0d2b7e   ingress   overlay   swarm\n\
             short          net9      overlay   swarm\n\
             9b8a7c6d5e4f   net10     overlay   swarm\n"
        );
        assert_eq!(
            render(&n, "table", false, false).unwrap(),
            format!(
                "NETWORK ID                         NAME      DRIVER    SCOPE\n\
                 {ID1}   ingress   overlay   swarm\n\
                 short                              net9      overlay   swarm\n\
                 {ID2}   net10     overlay   swarm\n"
            )
        );
        assert_eq!(
            render(&[], "", false, true).unwrap(),
            "NETWORK ID   NAME      DRIVER    SCOPE\n"
        );
    }

    #[test]
    fn quiet_ids() {
        let n = networks();
        assert_eq!(
            render(&n, "", true, true).unwrap(),
            "3f1a9c0d2b7e\nshort\n9b8a7c6d5e4f\n"
        );
        assert_eq!(
            render(&n, "", true, false).unwrap(),
            format!("{ID1}\nshort\n{ID2}\n")
        );
        // A custom template wins over -q, as in docker.
        assert_eq!(
            render(&n, "{{.Name}}", true, true).unwrap(),
            "ingress\nnet9\nnet10\n"
        );
    }

    #[test]
    fn templates() {
        let n = networks();
        assert_eq!(
            render(
                &n,
                "{{.ID}} {{.Name}} {{.IPv6}} {{.Internal}} {{.Labels}} {{.CreatedAt}}",
                false,
                true
            )
            .unwrap(),
            "3f1a9c0d2b7e ingress true false  2024-01-01 00:00:00 +0000 UTC\n\
             short net9 false false  2024-01-01 00:00:00 +0000 UTC\n\
             9b8a7c6d5e4f net10 false true env=prod,team=a 2024-01-02 03:04:05.5 +0000 UTC\n"
        );
        assert_eq!(
            render(
                &n[2..],
                "table {{.Name}}\t{{.IPv6}}\t{{.Internal}}\t{{.Labels}}\t{{.CreatedAt}}",
                false,
                true
            )
            .unwrap(),
            "NAME      IPV6      INTERNAL   LABELS    CREATED AT\n\
             net9      false     false                2024-01-01 00:00:00 +0000 UTC\n"
        );
        assert_eq!(
            render(&n[2..], "json", false, true).unwrap(),
            "{\"CreatedAt\":\"2024-01-01 00:00:00 +0000 UTC\",\"Driver\":\"overlay\",\"ID\":\"short\",\
             \"IPv6\":\"false\",\"Internal\":\"false\",\"Labels\":\"\",\"Name\":\"net9\",\"Scope\":\"swarm\"}\n"
        );
        assert_eq!(
            render(&n[2..], "raw", false, true).unwrap(),
            "network_id: short\nname: net9\ndriver: overlay\nscope: swarm\n\n"
        );
        assert!(render(&n, "{{.ID", false, true)
            .unwrap_err()
            .to_string()
            .starts_with("template parsing error:"));
    }
}
