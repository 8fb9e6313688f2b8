//! `node ls`: nodes sorted by hostname, this node marked with `*`, their
//! status, availability, manager status and engine version.

use crate::client::with_query;
use crate::commands::display::{capitalize_first, natural_cmp};
use crate::commands::errors::Usage;
use crate::commands::filters;
use crate::commands::listfmt::{self, ListStyle};
use crate::commands::Ctx;
use clap::Args;
use serde_json::{json, Value};
use shoal_api::Node;

pub const USAGE: Usage = Usage::new("shoal node ls", "shoal node ls [OPTIONS]");

#[derive(Args, Debug, Clone, Default)]
pub struct LsArgs {
    /// Only display IDs
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Format output using a custom template
    #[arg(long, value_name = "string", default_value = "")]
    pub format: String,
    /// Filter output based on conditions provided
    #[arg(short = 'f', long, value_name = "filter")]
    pub filter: Vec<String>,
    #[arg(hide = true)]
    pub extra: Vec<String>,
}

pub const STYLE: ListStyle = ListStyle {
    default_table: "table {{.ID}} {{if .Self}}*{{else}} {{ end }}\t{{.Hostname}}\t{{.Status}}\t{{.Availability}}\t{{.ManagerStatus}}\t{{.EngineVersion}}",
    raw: "node_id: {{.ID}}\\nhostname: {{.Hostname}}\\nstatus: {{.Status}}\\navailability: {{.Availability}}\\nmanager_status: {{.ManagerStatus}}\\n",
    raw_quiet: "node_id: {{.ID}}",
    headers: &[
        ("ID", "ID"),
        ("Self", ""),
        ("Hostname", "HOSTNAME"),
        ("Status", "STATUS"),
        ("Availability", "AVAILABILITY"),
        ("ManagerStatus", "MANAGER STATUS"),
        ("EngineVersion", "ENGINE VERSION"),
        ("TLSStatus", "TLS STATUS"),
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
    let nodes: Vec<Node> = ctx.client.get_json(&with_query("/nodes", query)).await?;
    let self_id = if !nodes.is_empty() && !args.quiet {
        let info: Value = ctx.client.get_json("/info").await?;
        info["Swarm"]["NodeID"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    } else {
        String::new()
    };
    let out = render(&nodes, &self_id, &args.format, args.quiet)?;
    ctx.print(&out)?;
    Ok(())
}

pub fn render(nodes: &[Node], self_id: &str, format: &str, quiet: bool) -> anyhow::Result<String> {
    let mut sorted: Vec<&Node> = nodes.iter().collect();
    sorted.sort_by(|a, b| natural_cmp(&a.description.hostname, &b.description.hostname));
    let rows: Vec<Value> = sorted.into_iter().map(|n| row(n, self_id)).collect();
    listfmt::render(&STYLE, format, quiet, &rows)
}

/// `Leader`, or the reachability of a manager; empty for workers.
pub fn manager_status(n: &Node) -> String {
    match &n.manager_status {
        Some(m) if m.leader => "Leader".to_string(),
        Some(m) => capitalize_first(&m.reachability),
        None => String::new(),
    }
}

fn word<T: serde::Serialize>(v: &T) -> String {
    capitalize_first(
        serde_json::to_value(v)
            .ok()
            .as_ref()
            .and_then(Value::as_str)
            .unwrap_or_default(),
    )
}

fn row(n: &Node, self_id: &str) -> Value {
    json!({
        "ID": n.id,
        "Self": !self_id.is_empty() && n.id == self_id,
        "Hostname": n.description.hostname,
        "Status": word(&n.status.state),
        "Availability": word(&n.spec.availability),
        "ManagerStatus": manager_status(n),
        "EngineVersion": n.description.engine.engine_version,
        // shoal does not report node certificates yet.
        "TLSStatus": "Unknown",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, host: &str, extra: Value) -> Node {
        let mut v = json!({
            "ID": id,
            "Description": {"Hostname": host, "Engine": {"EngineVersion": "0.1.0"}},
            "Status": {"State": "ready", "Addr": "10.0.0.1"},
            "Spec": {"Availability": "active", "Role": "worker"},
        });
        if let (Some(o), Value::Object(e)) = (v.as_object_mut(), extra) {
            o.extend(e);
        }
        serde_json::from_value(v).unwrap()
    }

    fn nodes() -> Vec<Node> {
        vec![
            node(
                "w2",
                "node-10",
                json!({"Spec": {"Availability": "drain", "Role": "worker"}, "Status": {"State": "down"}}),
            ),
            node(
                "m1",
                "node-1",
                json!({"ManagerStatus": {"Leader": true, "Reachability": "reachable", "Addr": "10.0.0.1:2377"}}),
            ),
            node(
                "m2",
                "node-2",
                json!({"ManagerStatus": {"Leader": false, "Reachability": "unreachable", "Addr": "10.0.0.2:2377"}}),
            ),
        ]
    }

    #[test]
    fn default_table() {
        assert_eq!(
            render(&nodes(), "m1", "", false).unwrap(),
            "ID        HOSTNAME   STATUS    AVAILABILITY   MANAGER STATUS   ENGINE VERSION\n\
             m1 *      node-1     Ready     Active         Leader           0.1.0\n\
             m2        node-2     Ready     Active         Unreachable      0.1.0\n\
             w2        node-10    Down      Drain                           0.1.0\n"
        );
    }

    #[test]
    fn formats() {
        assert_eq!(render(&nodes(), "m1", "", true).unwrap(), "m1\nm2\nw2\n");
        assert_eq!(
            render(
                &nodes(),
                "m1",
                "{{.Hostname}} {{.ManagerStatus}} {{.Self}}",
                false
            )
            .unwrap(),
            "node-1 Leader true\nnode-2 Unreachable false\nnode-10  false\n"
        );
        assert_eq!(
            render(&nodes()[1..2], "m1", "json", false).unwrap(),
            "{\"Availability\":\"Active\",\"EngineVersion\":\"0.1.0\",\"Hostname\":\"node-1\",\"ID\":\"m1\",\"ManagerStatus\":\"Leader\",\"Self\":true,\"Status\":\"Ready\",\"TLSStatus\":\"Unknown\"}\n"
        );
    }
}
