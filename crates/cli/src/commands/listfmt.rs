//! Rendering object lists the way docker's formatter does: the default
//! table, `-q` (IDs only), `--format json`, `--format 'table {{.X}}'` with
//! headers, or any custom Go template, one line per object.

use serde_json::Value;
use shoal_gocompat::template;
use std::collections::HashMap;

/// What a list command knows about its own output.
#[derive(Debug, Clone, Copy)]
pub struct ListStyle {
    /// Used for no `--format` or `--format table`.
    pub default_table: &'static str,
    /// `--format raw` (docker's `RawFormatKey`).
    pub raw: &'static str,
    pub raw_quiet: &'static str,
    /// Field name -> column header, for `table` formats.
    pub headers: &'static [(&'static str, &'static str)],
}

/// docker's `DefaultQuietFormat`.
pub const QUIET: &str = "{{.ID}}";

/// Renders `rows` (one JSON object per listed object, its keys the
/// template fields) for the `--format` / `-q` flags given.
pub fn render(
    style: &ListStyle,
    format: &str,
    quiet: bool,
    rows: &[Value],
) -> anyhow::Result<String> {
    let fmt = match format {
        "" | template::TABLE_KEY if quiet => QUIET,
        "" | template::TABLE_KEY => style.default_table,
        "raw" if quiet => style.raw_quiet,
        "raw" => style.raw,
        other => other,
    };
    if template::prepare(fmt)
        == (template::Format {
            table: false,
            template: template::JSON_FORMAT.to_string(),
        })
    {
        // docker's row objects marshal themselves with `json.Marshal`,
        // which escapes `<`, `>` and `&` (`*:80\u003e...`).
        return Ok(rows
            .iter()
            .map(|r| format!("{}\n", json_html_escaped(r)))
            .collect());
    }
    let headers: HashMap<&str, &str> = style.headers.iter().copied().collect();
    template::render_rows(fmt, rows, &headers)
        .map_err(|e| anyhow::anyhow!("template parsing error: {e}"))
}

/// Go's `json.Marshal`: compact, with HTML-significant characters escaped.
pub fn json_html_escaped(v: &Value) -> String {
    let mut out = String::new();
    for c in v.to_string().chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const STYLE: ListStyle = ListStyle {
        default_table: "table {{.ID}}\t{{.Name}}",
        raw: "id: {{.ID}}\\nname: {{.Name}}\\n",
        raw_quiet: "id: {{.ID}}",
        headers: &[("ID", "ID"), ("Name", "NAME")],
    };

    fn rows() -> Vec<Value> {
        vec![
            json!({"ID": "abc", "Name": "web"}),
            json!({"ID": "def", "Name": "api"}),
        ]
    }

    #[test]
    fn formats() {
        let cases: &[(&str, bool, &str)] = &[
            ("", false, "ID        NAME\nabc       web\ndef       api\n"),
            (
                "table",
                false,
                "ID        NAME\nabc       web\ndef       api\n",
            ),
            ("", true, "abc\ndef\n"),
            ("{{.Name}}", true, "web\napi\n"),
            ("table {{.Name}}", false, "NAME\nweb\napi\n"),
            (
                "json",
                false,
                "{\"ID\":\"abc\",\"Name\":\"web\"}\n{\"ID\":\"def\",\"Name\":\"api\"}\n",
            ),
            ("raw", false, "id: abc\nname: web\n\nid: def\nname: api\n\n"),
            (
                "{{json .}}",
                false,
                "{\"ID\":\"abc\",\"Name\":\"web\"}\n{\"ID\":\"def\",\"Name\":\"api\"}\n",
            ),
        ];
        for (format, quiet, want) in cases {
            assert_eq!(
                render(&STYLE, format, *quiet, &rows()).unwrap(),
                *want,
                "{format:?} quiet={quiet}"
            );
        }
        assert_eq!(render(&STYLE, "", false, &[]).unwrap(), "ID        NAME\n");
    }

    #[test]
    fn json_rows_escape_html() {
        let rows = vec![json!({"Ports": "*:80->80/tcp", "Name": "a&b"})];
        assert_eq!(
            render(&STYLE, "json", false, &rows).unwrap(),
            "{\"Name\":\"a\\u0026b\",\"Ports\":\"*:80-\\u003e80/tcp\"}\n"
        );
    }

    #[test]
    fn template_errors_are_prefixed() {
        let e = render(&STYLE, "{{.ID", false, &rows())
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("template parsing error: template: :1:"),
            "{e}"
        );
    }
}
