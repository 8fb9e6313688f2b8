//! docker's `--format` conventions around the template itself: the
//! `table` prefix (which adds a header row and tab alignment), the `json`
//! shorthand, and the `\t` / `\n` escapes users type on the command line.

use super::{parse, TemplateError};
use crate::tabwriter::TabWriter;
use serde_json::Value;
use std::collections::HashMap;

/// A format starting with this word prints a table (docker's `TableFormatKey`).
pub const TABLE_KEY: &str = "table";

/// What `--format json` stands for.
pub const JSON_FORMAT: &str = "{{json .}}";

/// Whether a `--format` value asks for a table. Like docker, this is a
/// plain prefix test: `tablefoo` counts too.
pub fn is_table(fmt: &str) -> bool {
    fmt.starts_with(TABLE_KEY)
}

/// The template part of a table format (`table {{.ID}}` -> ` {{.ID}}`), or
/// `None` if `fmt` is not a table format.
pub fn table_format(fmt: &str) -> Option<&str> {
    fmt.strip_prefix(TABLE_KEY)
}

/// Turns the two-character sequences `\t` and `\n` into a tab and a
/// newline, as docker does so `--format 'a\tb'` works from a shell.
pub fn unescape(fmt: &str) -> String {
    fmt.replace(r"\t", "\t").replace(r"\n", "\n")
}

/// A `--format` value made ready to parse (docker's `preFormat`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format {
    /// The value started with `table`: print a header and align columns.
    pub table: bool,
    /// The template source: prefix removed, blanks trimmed, escapes applied.
    pub template: String,
}

impl Format {
    /// True when nothing is left to render (e.g. `--format table`), which
    /// is where commands substitute their default table format.
    pub fn is_empty(&self) -> bool {
        self.template.is_empty()
    }
}

/// Prepares a `--format` value like docker: `json` becomes `{{json .}}`,
/// a `table` prefix is removed and remembered, surrounding spaces are
/// trimmed and `\t` / `\n` escapes are expanded.
pub fn prepare(fmt: &str) -> Format {
    let (table, rest) = match table_format(fmt) {
        Some(rest) => (true, rest),
        None if fmt == "json" => (false, JSON_FORMAT),
        None => (false, fmt),
    };
    Format {
        table,
        template: unescape(rest.trim_matches(' ')),
    }
}

/// Renders rows as docker's formatter does: every row through the
/// template followed by a newline; for a `table` format a header row
/// (from `headers`, see [`super::Template::render_header`]) comes first
/// and everything goes through the tab writer. The header is printed even
/// when there are no rows, and a header that fails to render is cut short
/// at the failure rather than failing the command, as docker does.
pub fn render_rows(
    fmt: &str,
    rows: &[Value],
    headers: &HashMap<&str, &str>,
) -> Result<String, TemplateError> {
    let format = prepare(fmt);
    let tmpl = parse(&format.template)?;
    let mut body = String::new();
    for row in rows {
        body.push_str(&tmpl.render(row)?);
        body.push('\n');
    }
    if !format.table {
        return Ok(body);
    }
    // docker does not check the header's execution error: it prints
    // whatever the header template produced before failing.
    let header = tmpl
        .render_header_partial(headers)
        .unwrap_or_else(|(partial, _)| partial);
    let mut tw = TabWriter::docker();
    tw.write_str(&header);
    tw.write_str("\n");
    tw.write_str(&body);
    Ok(tw.finish())
}
