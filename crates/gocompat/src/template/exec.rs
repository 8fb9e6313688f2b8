//! Executes a parsed template tree against JSON data with Go's semantics:
//! `.` rebinding in `range` / `with`, lexically scoped `$variables`,
//! pipelines passing their value as the last argument, lazy `and` / `or`.

use super::funcs;
use super::parse::{Branch, Command, Node, Pipeline, Term};
use super::value::{print_top, truthy, type_name};
use super::TemplateError;
use serde_json::Value;

/// An error from inside a command: either a bare message that still
/// needs the command's position, or one already placed (from a nested
/// parenthesized pipeline, whose position is more precise).
enum Fail {
    Msg(String),
    Placed(TemplateError),
}

impl From<String> for Fail {
    fn from(m: String) -> Self {
        Fail::Msg(m)
    }
}

/// How a list of nodes finished, so `break` / `continue` reach their range.
enum Flow {
    Normal,
    Break,
    Continue,
}

pub(crate) struct Exec<'a> {
    src: &'a str,
    /// Header mode: docker's identity functions replace the string ones.
    header: bool,
    /// Variables in scope, innermost last; `$` (empty name) is the root data.
    vars: Vec<(String, Value)>,
    out: String,
}

impl<'a> Exec<'a> {
    /// Renders `nodes`; on error also returns what was written before it,
    /// as Go's `Execute` leaves partial output in its writer.
    pub(crate) fn run(
        src: &'a str,
        nodes: &[Node],
        data: &Value,
        header: bool,
    ) -> Result<String, (String, TemplateError)> {
        let mut exec = Exec {
            src,
            header,
            vars: vec![(String::new(), data.clone())],
            out: String::new(),
        };
        match exec.walk(data, nodes) {
            Ok(_) => Ok(exec.out),
            Err(e) => Err((exec.out, e)),
        }
    }

    fn walk(&mut self, dot: &Value, nodes: &[Node]) -> Result<Flow, TemplateError> {
        for node in nodes {
            let flow = match node {
                Node::Text(t) => {
                    self.out.push_str(t);
                    Flow::Normal
                }
                Node::Output(pipe) => {
                    let v = self.pipeline(dot, pipe)?;
                    if pipe.vars.is_empty() {
                        self.out.push_str(&print_top(&v));
                    }
                    Flow::Normal
                }
                Node::If(b) => self.conditional(dot, b, false)?,
                Node::With(b) => self.conditional(dot, b, true)?,
                Node::Range(b) => self.range(dot, b)?,
                Node::Break => Flow::Break,
                Node::Continue => Flow::Continue,
            };
            if !matches!(flow, Flow::Normal) {
                return Ok(flow);
            }
        }
        Ok(Flow::Normal)
    }

    /// `if` and `with`: the body runs when the value is true; `with` also
    /// rebinds `.` to it.
    fn conditional(
        &mut self,
        dot: &Value,
        b: &Branch,
        rebind: bool,
    ) -> Result<Flow, TemplateError> {
        let scope = self.vars.len();
        let v = self.pipeline(dot, &b.pipe)?;
        let flow = if truthy(&v) {
            self.walk(if rebind { &v } else { dot }, &b.body)?
        } else if let Some(other) = &b.otherwise {
            self.walk(dot, other)?
        } else {
            Flow::Normal
        };
        self.vars.truncate(scope);
        Ok(flow)
    }

    fn range(&mut self, dot: &Value, b: &Branch) -> Result<Flow, TemplateError> {
        let scope = self.vars.len();
        let v = self.commands(dot, &b.pipe.cmds)?;
        // Go ranges over maps in sorted key order and, since 1.22, over ints.
        let items: Vec<(Value, Value)> = match &v {
            Value::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, e)| (Value::from(i), e.clone()))
                .collect(),
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                keys.into_iter()
                    .map(|k| (Value::from(k.as_str()), m[k.as_str()].clone()))
                    .collect()
            }
            Value::Number(n) if n.is_i64() || n.is_u64() => (0..n.as_i64().unwrap_or(0))
                .map(|i| (Value::from(i), Value::from(i)))
                .collect(),
            Value::Null => Vec::new(),
            other => {
                let cmd = &b.pipe.cmds[0];
                let msg = format!("range can't iterate over {}", print_top(other));
                return Err(self.exec_err(cmd, msg));
            }
        };
        if items.is_empty() {
            let flow = match &b.otherwise {
                Some(other) => self.walk(dot, other)?,
                None => Flow::Normal,
            };
            self.vars.truncate(scope);
            return Ok(flow);
        }
        for (key, elem) in items {
            match b.pipe.vars.as_slice() {
                [] => {}
                [e] => self.declare(e, elem.clone()),
                [k, e, ..] => {
                    self.declare(k, key);
                    self.declare(e, elem.clone());
                }
            }
            let flow = self.walk(&elem, &b.body)?;
            self.vars.truncate(scope);
            if matches!(flow, Flow::Break) {
                break;
            }
        }
        Ok(Flow::Normal)
    }

    fn declare(&mut self, name: &str, v: Value) {
        self.vars.push((name.to_string(), v));
    }

    /// Evaluates a pipeline and performs its declaration or assignment.
    fn pipeline(&mut self, dot: &Value, pipe: &Pipeline) -> Result<Value, TemplateError> {
        let v = self.commands(dot, &pipe.cmds)?;
        for name in &pipe.vars {
            if pipe.assign {
                // The parser checked the variable exists.
                if let Some(slot) = self.vars.iter_mut().rev().find(|(n, _)| n == name) {
                    slot.1 = v.clone();
                }
            } else {
                self.declare(name, v.clone());
            }
        }
        Ok(v)
    }

    fn commands(&mut self, dot: &Value, cmds: &[Command]) -> Result<Value, TemplateError> {
        let mut last = None;
        for cmd in cmds {
            last = Some(self.command(dot, cmd, last).map_err(|f| match f {
                Fail::Msg(m) => self.exec_err(cmd, m),
                Fail::Placed(e) => e,
            })?);
        }
        Ok(last.unwrap_or(Value::Null))
    }

    /// One command; `piped` is the previous command's value, which Go
    /// passes as the final argument.
    fn command(&mut self, dot: &Value, cmd: &Command, piped: Option<Value>) -> Result<Value, Fail> {
        let (first, rest) = cmd
            .args
            .split_first()
            .ok_or_else(|| "empty command".to_string())?;
        let Term::Func(name) = first else {
            if !rest.is_empty() || piped.is_some() {
                return Err(
                    format!("can't give argument to non-function {}", term_text(first)).into(),
                );
            }
            return self.term(dot, first);
        };
        if name == "and" || name == "or" {
            return self.and_or(dot, name == "and", rest, piped);
        }
        let mut args = Vec::with_capacity(rest.len() + 1);
        for t in rest {
            args.push(self.term(dot, t)?);
        }
        args.extend(piped);
        Ok(funcs::call(name, &args, self.header)?)
    }

    /// Go's `and` / `or` return the first argument that decides the result
    /// (or the last one) and stop evaluating there.
    fn and_or(
        &mut self,
        dot: &Value,
        is_and: bool,
        rest: &[Term],
        piped: Option<Value>,
    ) -> Result<Value, Fail> {
        let total = rest.len() + usize::from(piped.is_some());
        if total == 0 {
            let name = if is_and { "and" } else { "or" };
            return Err(format!("wrong number of args for {name}: want at least 1 got 0").into());
        }
        let mut last = Value::Null;
        for t in rest {
            last = self.term(dot, t)?;
            if truthy(&last) != is_and {
                return Ok(last);
            }
        }
        Ok(piped.unwrap_or(last))
    }

    fn term(&mut self, dot: &Value, t: &Term) -> Result<Value, Fail> {
        let v = match t {
            Term::Dot => Ok(dot.clone()),
            Term::Field(names) => fields(dot.clone(), names),
            Term::Var(name, chain) => {
                let v = self
                    .vars
                    .iter()
                    .rev()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| format!("undefined variable: ${name}"))?;
                fields(v, chain)
            }
            // A function named as an argument is called with no arguments.
            Term::Func(name) => funcs::call(name, &[], self.header),
            Term::Lit(v) => Ok(v.clone()),
            Term::Nil => Ok(Value::Null),
            Term::Sub(pipe, chain) => {
                let v = self.commands(dot, &pipe.cmds).map_err(Fail::Placed)?;
                fields(v, chain)
            }
        };
        Ok(v?)
    }

    fn exec_err(&self, cmd: &Command, message: impl Into<String>) -> TemplateError {
        TemplateError::exec(self.src, cmd.offset, &cmd.text, message)
    }
}

/// Walks `.A.B.C`. A missing key (or a field of a missing value) is null,
/// which prints `<no value>` like Go on map data; a field of a scalar is
/// an error, again like Go.
fn fields(mut v: Value, names: &[String]) -> Result<Value, String> {
    for name in names {
        v = match v {
            Value::Object(mut m) => m.remove(name).unwrap_or(Value::Null),
            Value::Null => Value::Null,
            other => {
                return Err(format!(
                    "can't evaluate field {name} in type {}",
                    type_name(&other)
                ))
            }
        };
    }
    Ok(v)
}

fn term_text(t: &Term) -> String {
    match t {
        Term::Dot => ".".into(),
        Term::Field(n) => format!(".{}", n.join(".")),
        Term::Var(n, c) if c.is_empty() => format!("${n}"),
        Term::Var(n, c) => format!("${n}.{}", c.join(".")),
        Term::Func(n) => n.clone(),
        Term::Lit(v) => v.to_string(),
        Term::Nil => "nil".into(),
        Term::Sub(..) => "(pipeline)".into(),
    }
}
