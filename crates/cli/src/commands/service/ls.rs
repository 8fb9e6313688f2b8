//! `service ls`: services sorted by name with their mode, running/desired
//! replicas, image and ingress ports.

use super::ports::ports_column;
use crate::client::{query_escape, with_query};
use crate::commands::display::{familiar_image, natural_cmp, truncate_id};
use crate::commands::errors::Usage;
use crate::commands::filters;
use crate::commands::listfmt::{self, ListStyle};
use crate::commands::Ctx;
use clap::Args;
use serde_json::{json, Value};
use shoal_api::Service;

pub const USAGE: Usage = Usage::new("shoal service ls", "shoal service ls [OPTIONS]");

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
    default_table: "table {{.ID}}\t{{.Name}}\t{{.Mode}}\t{{.Replicas}}\t{{.Image}}\t{{.Ports}}",
    raw: "id: {{.ID}}\\nname: {{.Name}}\\nmode: {{.Mode}}\\nreplicas: {{.Replicas}}\\nimage: {{.Image}}\\nports: {{.Ports}}\\n",
    raw_quiet: "id: {{.ID}}",
    headers: &[
        ("ID", "ID"),
        ("Name", "NAME"),
        ("Mode", "MODE"),
        ("Replicas", "REPLICAS"),
        ("Image", "IMAGE"),
        ("Ports", "PORTS"),
    ],
};

pub async fn run(ctx: &mut Ctx, args: LsArgs) -> crate::commands::CliResult {
    let f = filters::parse(&args.filter, &USAGE)?;
    USAGE.check_args(args.extra.len(), 0, Some(0))?;
    let mut query = Vec::new();
    if !f.is_empty() {
        query.push(("filters", filters::to_json(&f)));
    }
    if !args.quiet {
        query.push(("status", "true".to_string()));
    }
    let services: Vec<Service> = ctx.client.get_json(&with_query("/services", query)).await?;
    let out = render(&services, &args.format, args.quiet)?;
    ctx.print(&out)?;
    Ok(())
}

/// The table (or custom format) for `services`.
pub fn render(services: &[Service], format: &str, quiet: bool) -> anyhow::Result<String> {
    let mut sorted: Vec<&Service> = services.iter().collect();
    sorted.sort_by(|a, b| natural_cmp(&a.spec.name, &b.spec.name));
    let rows: Vec<Value> = sorted.into_iter().map(row).collect();
    listfmt::render(&STYLE, format, quiet, &rows)
}

/// The mode word docker shows.
pub fn mode_name(s: &Service) -> &'static str {
    let m = &s.spec.mode;
    if m.global.is_some() {
        "global"
    } else if m.replicated.is_some() {
        "replicated"
    } else if m.replicated_job.is_some() {
        "replicated job"
    } else if m.global_job.is_some() {
        "global job"
    } else {
        ""
    }
}

/// `running/desired`, with the job or per-node-limit suffix.
pub fn replicas(s: &Service) -> String {
    let st = s.service_status.clone().unwrap_or_default();
    let (running, desired, completed) = (st.running_tasks, st.desired_tasks, st.completed_tasks);
    if let Some(job) = &s.spec.mode.replicated_job {
        return format!(
            "{running}/{desired} ({completed}/{} completed)",
            job.total_completions.unwrap_or(0)
        );
    }
    if s.spec.mode.global_job.is_some() {
        return format!(
            "{running}/{desired} ({completed}/{} completed)",
            desired + completed
        );
    }
    let max = s
        .spec
        .task_template
        .placement
        .as_ref()
        .and_then(|p| p.max_replicas)
        .filter(|m| *m > 0 && mode_name(s) == "replicated");
    match max {
        Some(m) => format!("{running}/{desired} (max {m} per node)"),
        None => format!("{running}/{desired}"),
    }
}

fn row(s: &Service) -> Value {
    json!({
        "ID": truncate_id(&s.id),
        "Name": s.spec.name,
        "Mode": mode_name(s),
        "Replicas": replicas(s),
        "Image": familiar_image(&s.spec.task_template.container_spec.image),
        "Ports": ports_column(&s.endpoint.ports),
    })
}

/// Escapes a service reference for use in a path.
pub fn path(reference: &str) -> String {
    format!("/services/{}", query_escape(reference))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svc(id: &str, name: &str, spec: Value, status: Value, endpoint: Value) -> Service {
        let mut spec = spec;
        spec["Name"] = json!(name);
        serde_json::from_value(
            json!({"ID": id, "Spec": spec, "ServiceStatus": status, "Endpoint": endpoint}),
        )
        .unwrap()
    }

    fn services() -> Vec<Service> {
        vec![
            svc(
                "x6kpvn0ycp4tn8w5ifbp8rp5z",
                "web",
                json!({"TaskTemplate": {"ContainerSpec": {"Image": "nginx:latest@sha256:0123"}}, "Mode": {"Replicated": {"Replicas": 3}}}),
                json!({"RunningTasks": 3, "DesiredTasks": 3}),
                json!({"Ports": [{"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8080, "PublishMode": "ingress"}]}),
            ),
            svc(
                "a1b2c3d4e5f6g7h8i9j0k1l2m",
                "agent",
                json!({"TaskTemplate": {"ContainerSpec": {"Image": "busybox"}}, "Mode": {"Global": {}}}),
                json!({"RunningTasks": 1, "DesiredTasks": 2}),
                json!({}),
            ),
            svc(
                "zzzzzzzzzzzzzzzzzzzzzzzzz",
                "api",
                json!({"TaskTemplate": {"ContainerSpec": {"Image": "api:1"}, "Placement": {"MaxReplicas": 2}},
                       "Mode": {"Replicated": {"Replicas": 4}}}),
                json!({"RunningTasks": 0, "DesiredTasks": 4}),
                json!({}),
            ),
        ]
    }

    #[test]
    fn default_table() {
        assert_eq!(
            render(&services(), "", false).unwrap(),
            "ID             NAME      MODE         REPLICAS               IMAGE          PORTS\n\
             a1b2c3d4e5f6   agent     global       1/2                    busybox        \n\
             zzzzzzzzzzzz   api       replicated   0/4 (max 2 per node)   api:1          \n\
             x6kpvn0ycp4t   web       replicated   3/3                    nginx:latest   *:8080->80/tcp\n"
        );
        assert_eq!(
            render(&[], "", false).unwrap(),
            "ID        NAME      MODE      REPLICAS   IMAGE     PORTS\n"
        );
    }

    #[test]
    fn quiet_and_formats() {
        assert_eq!(
            render(&services(), "", true).unwrap(),
            "a1b2c3d4e5f6\nzzzzzzzzzzzz\nx6kpvn0ycp4t\n"
        );
        assert_eq!(
            render(&services(), "{{.Name}}: {{.Replicas}}", false).unwrap(),
            "agent: 1/2\napi: 0/4 (max 2 per node)\nweb: 3/3\n"
        );
        let json = render(&services()[..1], "json", false).unwrap();
        assert_eq!(
            json,
            "{\"ID\":\"x6kpvn0ycp4t\",\"Image\":\"nginx:latest\",\"Mode\":\"replicated\",\"Name\":\"web\",\"Ports\":\"*:8080-\\u003e80/tcp\",\"Replicas\":\"3/3\"}\n"
        );
    }

    #[test]
    fn jobs() {
        let job = svc(
            "j",
            "job",
            json!({"Mode": {"ReplicatedJob": {"MaxConcurrent": 2, "TotalCompletions": 5}}}),
            json!({"RunningTasks": 2, "DesiredTasks": 2, "CompletedTasks": 1}),
            json!({}),
        );
        assert_eq!(replicas(&job), "2/2 (1/5 completed)");
        assert_eq!(mode_name(&job), "replicated job");
    }
}
