//! Task tables shared by `service ps` and `node ps`: docker's task
//! formatter (`ID NAME IMAGE NODE DESIRED STATE CURRENT STATE ERROR
//! PORTS`), its ordering (by name, newest first within a slot, older tasks
//! of a slot indented as ` \_ name`) and ID-to-name resolution.

pub mod resolve;

use crate::commands::display::{
    capitalize_first, ellipsis, familiar_image, natural_cmp, truncate_id,
};
use crate::commands::listfmt::{self, ListStyle};
use serde_json::{json, Value};
use shoal_api::{Task, Timestamp};
use shoal_gocompat::duration::human_duration;
use std::collections::HashMap;

pub const STYLE: ListStyle = ListStyle {
    default_table: "table {{.ID}}\t{{.Name}}\t{{.Image}}\t{{.Node}}\t{{.DesiredState}}\t{{.CurrentState}}\t{{.Error}}\t{{.Ports}}",
    raw: "id: {{.ID}}\\nname: {{.Name}}\\nimage: {{.Image}}\\nnode: {{.Node}}\\ndesired_state: {{.DesiredState}}\\ncurrent_state: {{.CurrentState}}\\nerror: {{.Error}}\\nports: {{.Ports}}\\n",
    raw_quiet: "id: {{.ID}}",
    headers: &[
        ("ID", "ID"),
        ("Name", "NAME"),
        ("Image", "IMAGE"),
        ("Node", "NODE"),
        ("DesiredState", "DESIRED STATE"),
        ("CurrentState", "CURRENT STATE"),
        ("Error", "ERROR"),
        ("Ports", "PORTS"),
    ],
};

/// Errors longer than this are cut in tables (docker's `maxErrLength`).
const MAX_ERR: usize = 30;

/// How to print tasks.
#[derive(Debug, Clone, Default)]
pub struct PrintOpts {
    pub format: String,
    pub quiet: bool,
    pub no_trunc: bool,
}

/// Names to show for IDs: services by ID, nodes by ID.
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub services: HashMap<String, String>,
    pub nodes: HashMap<String, String>,
}

/// Renders the task list as docker's `task.Print` does.
pub fn render(
    tasks: &[Task],
    names: &Names,
    opts: &PrintOpts,
    now: Timestamp,
) -> anyhow::Result<String> {
    let trunc = !opts.no_trunc;
    let name_of = |t: &Task| {
        let service = names
            .services
            .get(&t.service_id)
            .cloned()
            .unwrap_or_else(|| t.service_id.clone());
        if t.slot != 0 {
            format!("{service}.{}", t.slot)
        } else {
            format!("{service}.{}", t.node_id)
        }
    };
    let mut named: Vec<(String, &Task)> = tasks.iter().map(|t| (name_of(t), t)).collect();
    // Stable: same name (slot), newest first.
    named.sort_by(|(na, a), (nb, b)| natural_cmp(na, nb).then(b.created_at.cmp(&a.created_at)));

    let format = if opts.format.is_empty() {
        "table"
    } else {
        opts.format.as_str()
    };
    let indent = if listfmt_is_table(format, opts.quiet) {
        " \\_ "
    } else {
        ""
    };
    let mut prev = "";
    let mut rows = Vec::with_capacity(named.len());
    for (name, t) in &named {
        let shown = if name == prev {
            format!("{indent}{name}")
        } else {
            name.clone()
        };
        prev = name;
        let node = names
            .nodes
            .get(&t.node_id)
            .cloned()
            .unwrap_or_else(|| t.node_id.clone());
        rows.push(row(t, shown, node, trunc, now));
    }
    listfmt::render(&STYLE, &opts.format, opts.quiet, &rows)
}

/// Whether the effective format is a table (docker indents history only
/// then).
fn listfmt_is_table(format: &str, quiet: bool) -> bool {
    match format {
        "table" => !quiet,
        f => shoal_gocompat::template::is_table(f),
    }
}

fn row(t: &Task, name: String, node: String, trunc: bool, now: Timestamp) -> Value {
    let image = &t.spec.container_spec.image;
    let err = if trunc {
        ellipsis(&t.status.err, MAX_ERR)
    } else {
        t.status.err.clone()
    };
    json!({
        "ID": if trunc { truncate_id(&t.id) } else { t.id.clone() },
        "Name": name,
        "Image": if trunc { familiar_image(image) } else { image.clone() },
        "Node": node,
        "DesiredState": capitalize_first(t.desired_state.as_str()),
        "CurrentState": current_state(t, now),
        "Error": if err.is_empty() { err } else { format!("\"{err}\"") },
        "Ports": ports(&t.status.port_status),
    })
}

/// `Running 5 minutes ago`: the state and its age, lower-cased.
pub fn current_state(t: &Task, now: Timestamp) -> String {
    format!(
        "{} {} ago",
        capitalize_first(t.status.state.as_str()),
        human_duration(now.since(t.status.timestamp)).to_lowercase()
    )
}

/// Published ports a task reports (host-mode ports).
fn ports(status: &shoal_api::PortStatus) -> String {
    status
        .ports
        .iter()
        .map(|p| {
            format!(
                "*:{}->{}/{}",
                p.published_port.unwrap_or(0),
                p.target_port,
                p.protocol
            )
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests;
