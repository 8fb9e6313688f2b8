//! A subset of Go's `text/template`, as docker's `--format` flag uses it,
//! evaluated over `serde_json::Value` data.
//!
//! Supported: literal text; `{{.}}`, `{{.A.B}}`, `{{$}}`, `{{$x := ...}}`;
//! string, number, bool and `nil` literals; pipelines (`{{.Name | upper}}`)
//! and parenthesized pipelines; `if` / `else if` / `else`, `range` (with
//! `$i, $e :=`, `else`, `break`, `continue`), `with`; `{{- -}}` trim
//! markers and `{{/* comments */}}`; docker's functions (`json`, `join`,
//! `split`, `upper`, `lower`, `title`, `pad`, `truncate`) and Go's `and`,
//! `or`, `not`, `len`, `index`, `eq`, `ne`, `lt`, `le`, `gt`, `ge`,
//! `print`, `printf`, `println`.
//!
//! Values print like Go's `fmt` does (`map[a:1 b:2]`, `[a b]`, `1e+06`);
//! a missing field prints `<no value>`, as Go does for map data.

mod exec;
mod format;
mod funcs;
mod lex;
mod parse;
mod printf;
mod value;

pub use value::go_float;

pub use format::{
    is_table, prepare, render_rows, table_format, unescape, Format, JSON_FORMAT, TABLE_KEY,
};

use serde_json::Value;
use std::collections::HashMap;

/// A parse or execution error, worded like Go's so users of docker
/// recognize it (`template: :1: function "foo" not defined`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("template: :{line}: {message}")]
    Parse { line: usize, message: String },
    #[error("template: :{line}:{col}: executing \"\" at <{at}>: {message}")]
    Exec {
        line: usize,
        col: usize,
        at: String,
        message: String,
    },
}

impl TemplateError {
    pub(crate) fn parse(src: &str, offset: usize, message: impl Into<String>) -> Self {
        TemplateError::Parse {
            line: line_col(src, offset).0,
            message: message.into(),
        }
    }

    pub(crate) fn exec(src: &str, offset: usize, at: &str, message: impl Into<String>) -> Self {
        let (line, col) = line_col(src, offset);
        TemplateError::Exec {
            line,
            col,
            at: at.to_string(),
            message: message.into(),
        }
    }
}

/// 1-based line and 0-based byte column, as Go's template errors count.
fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let before = &src[..offset.min(src.len())];
    let line = 1 + before.matches('\n').count();
    let col = before
        .rfind('\n')
        .map_or(before.len(), |nl| before.len() - nl - 1);
    (line, col)
}

/// A parsed template, reusable for many rows.
#[derive(Debug, Clone)]
pub struct Template {
    src: String,
    nodes: Vec<parse::Node>,
}

/// Parses a template source. Unknown functions and undefined variables are
/// parse errors, as in Go.
pub fn parse(src: &str) -> Result<Template, TemplateError> {
    let items = lex::lex(src)?;
    let nodes = parse::parse(src, items)?;
    Ok(Template {
        src: src.to_string(),
        nodes,
    })
}

impl Template {
    /// The source this template was parsed from.
    pub fn source(&self) -> &str {
        &self.src
    }

    /// Renders the template with `.` (and `$`) bound to `data`.
    pub fn render(&self, data: &Value) -> Result<String, TemplateError> {
        exec::Exec::run(&self.src, &self.nodes, data, false).map_err(|(_, e)| e)
    }

    /// Renders the header row of a `table` format, the way docker does: the
    /// same template runs against an object mapping field names to header
    /// text (`{"Name": "NAME"}`), with `json`, `upper`, `lower`, `title`,
    /// `split`, `join` and `truncate` turned into identity functions so the
    /// header text comes out unchanged (`pad` still pads, to keep columns
    /// aligned).
    pub fn render_header(&self, headers: &HashMap<&str, &str>) -> Result<String, TemplateError> {
        self.render_header_partial(headers).map_err(|(_, e)| e)
    }

    /// Like `render_header`, but an error comes with the output written
    /// before it: docker ignores header errors and prints that part.
    pub(crate) fn render_header_partial(
        &self,
        headers: &HashMap<&str, &str>,
    ) -> Result<String, (String, TemplateError)> {
        let data: serde_json::Map<String, Value> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
            .collect();
        exec::Exec::run(&self.src, &self.nodes, &Value::Object(data), true)
    }
}

/// Parses `template_src` and renders its header row (see
/// [`Template::render_header`]).
pub fn header_for(
    template_src: &str,
    headers: &HashMap<&str, &str>,
) -> Result<String, TemplateError> {
    parse(template_src)?.render_header(headers)
}

#[cfg(test)]
mod tests;
