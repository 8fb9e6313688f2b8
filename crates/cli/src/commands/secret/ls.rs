//! `secret ls [-q] [--format F] [--filter k=v]`: secrets sorted by name, with their driver
//! and ages.

use crate::commands::errors::Usage;
use crate::commands::listfmt::{self, ListStyle};
use crate::commands::secretlike::{self, SECRETS};
use crate::commands::Ctx;
use serde_json::json;
use shoal_api::{Secret, Timestamp};

pub use crate::commands::secretlike::LsArgs;

pub const USAGE: Usage = Usage::new("shoal secret ls", "shoal secret ls [OPTIONS]");

pub const STYLE: ListStyle = ListStyle {
    default_table:
        "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.CreatedAt}}\t{{.UpdatedAt}}",
    raw: "id: {{.ID}}\\nname: {{.Name}}\\ndriver: {{.Driver}}\\ncreated_at: {{.CreatedAt}}\\nupdated_at: {{.UpdatedAt}}\\n",
    raw_quiet: "id: {{.ID}}",
    headers: &[
        ("ID", "ID"),
        ("Name", "NAME"),
        ("Driver", "DRIVER"),
        ("CreatedAt", "CREATED"),
        ("UpdatedAt", "UPDATED"),
        ("Labels", "LABELS"),
    ],
};

pub async fn run(ctx: &mut Ctx, args: LsArgs) -> crate::commands::CliResult {
    let secrets = SECRETS.list(ctx, &args, &USAGE).await?;
    let out = render(&secrets, Timestamp::now(), &args.format, args.quiet)?;
    ctx.print(&out)?;
    Ok(())
}

pub fn render(
    secrets: &[Secret],
    now: Timestamp,
    format: &str,
    quiet: bool,
) -> anyhow::Result<String> {
    let rows = secretlike::rows(secrets, now, |s, row| {
        row["Driver"] = json!(driver_name(&s.spec.driver))
    });
    listfmt::render(&STYLE, format, quiet, &rows)
}

/// `name` of a `{Name, Options}` driver object.
pub fn driver_name(driver: &Option<shoal_api::driver::Driver>) -> String {
    driver
        .as_ref()
        .and_then(|d| d.name.clone())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> (Vec<Secret>, Timestamp) {
        let v = json!([
            {"ID": "s2", "CreatedAt": "2024-01-01T00:00:00Z", "UpdatedAt": "2024-01-01T00:00:00Z",
             "Spec": {"Name": "b", "Labels": {"env": "prod"}}},
            {"ID": "s1", "CreatedAt": "2024-01-01T00:00:00Z", "UpdatedAt": "2024-01-01T00:00:50Z",
             "Spec": {"Name": "a", "Labels": {}, "Driver": {"Name": "vault"}}},
        ]);
        let now: Timestamp = serde_json::from_value(json!("2024-01-01T00:01:00Z")).unwrap();
        (serde_json::from_value(v).unwrap(), now)
    }

    #[test]
    fn table_quiet_and_templates() {
        let (s, now) = secrets();
        assert_eq!(
            render(&s, now, "", false).unwrap(),
            "ID        NAME      DRIVER    CREATED              UPDATED\n\
             s1        a         vault     About a minute ago   10 seconds ago\n\
             s2        b                   About a minute ago   About a minute ago\n"
        );
        assert_eq!(render(&s, now, "", true).unwrap(), "s1\ns2\n");
        assert_eq!(
            render(&s, now, "{{.Name}} {{.Labels}}", false).unwrap(),
            "a \nb env=prod\n"
        );
    }
}
