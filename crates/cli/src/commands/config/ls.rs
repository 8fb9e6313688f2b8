//! `config ls [-q] [--format F] [--filter k=v]`: configs sorted by name, with their full IDs
//! and ages.

use crate::commands::errors::Usage;
use crate::commands::listfmt::{self, ListStyle};
use crate::commands::secretlike::{self, CONFIGS};
use crate::commands::Ctx;
use shoal_api::{Config, Timestamp};

pub use crate::commands::secretlike::LsArgs;

pub const USAGE: Usage = Usage::new("shoal config ls", "shoal config ls [OPTIONS]");

/// docker's `defaultConfigTableFormat` and headers.
pub const STYLE: ListStyle = ListStyle {
    default_table: "table {{.ID}}\t{{.Name}}\t{{.CreatedAt}}\t{{.UpdatedAt}}",
    raw:
        "id: {{.ID}}\\nname: {{.Name}}\\ncreated_at: {{.CreatedAt}}\\nupdated_at: {{.UpdatedAt}}\\n",
    raw_quiet: "id: {{.ID}}",
    headers: &[
        ("ID", "ID"),
        ("Name", "NAME"),
        ("CreatedAt", "CREATED"),
        ("UpdatedAt", "UPDATED"),
        ("Labels", "LABELS"),
    ],
};

pub async fn run(ctx: &mut Ctx, args: LsArgs) -> crate::commands::CliResult {
    let configs = CONFIGS.list(ctx, &args, &USAGE).await?;
    let out = render(&configs, Timestamp::now(), &args.format, args.quiet)?;
    ctx.print(&out)?;
    Ok(())
}

pub fn render(
    configs: &[Config],
    now: Timestamp,
    format: &str,
    quiet: bool,
) -> anyhow::Result<String> {
    let rows = secretlike::rows(configs, now, |_, _| {});
    listfmt::render(&STYLE, format, quiet, &rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn table_quiet_and_templates() {
        let configs: Vec<Config> = serde_json::from_value(json!([
            {"ID": "c2xyz0123456789abcdefghij", "CreatedAt": "2024-01-01T00:00:00Z",
             "UpdatedAt": "2024-01-01T00:00:00Z",
             "Spec": {"Name": "web10", "Labels": {"env": "prod"}, "Data": "aGk="}},
            {"ID": "c1", "CreatedAt": "2024-01-01T00:00:00Z", "UpdatedAt": "2024-01-01T00:00:50Z",
             "Spec": {"Name": "web9"}},
        ]))
        .unwrap();
        let now: Timestamp = serde_json::from_value(json!("2024-01-01T00:01:00Z")).unwrap();
        assert_eq!(
            render(&configs, now, "", false).unwrap(),
            "ID                          NAME      CREATED              UPDATED\n\
             c1                          web9      About a minute ago   10 seconds ago\n\
             c2xyz0123456789abcdefghij   web10     About a minute ago   About a minute ago\n"
        );
        assert_eq!(
            render(&configs, now, "", true).unwrap(),
            "c1\nc2xyz0123456789abcdefghij\n"
        );
        assert_eq!(
            render(&configs, now, "table {{.Name}}\t{{.Labels}}", false).unwrap(),
            "NAME      LABELS\nweb9      \nweb10     env=prod\n"
        );
        assert_eq!(
            render(&configs, now, "raw", true).unwrap(),
            "id: c1\nid: c2xyz0123456789abcdefghij\n"
        );
    }
}
