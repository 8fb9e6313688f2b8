//! Parser for the Go `text/template` subset: turns lexed items into a tree
//! of text, output actions and `if` / `range` / `with` blocks.

use super::funcs;
use super::lex::{Item, Tok, Token};
use super::TemplateError;
use serde_json::Value;

/// A node of the template tree.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Text(String),
    /// `{{pipeline}}`: prints the value (unless it is a declaration).
    Output(Pipeline),
    If(Branch),
    Range(Branch),
    With(Branch),
    Break,
    Continue,
}

/// The shared shape of `if`, `range` and `with`.
#[derive(Debug, Clone)]
pub(crate) struct Branch {
    pub pipe: Pipeline,
    pub body: Vec<Node>,
    pub otherwise: Option<Vec<Node>>,
}

/// `$x := cmd | cmd ...`.
#[derive(Debug, Clone)]
pub(crate) struct Pipeline {
    /// Declared or assigned variable names (without `$`).
    pub vars: Vec<String>,
    /// True for `=` (assign an existing variable), false for `:=`.
    pub assign: bool,
    pub cmds: Vec<Command>,
}

/// One command of a pipeline: a function call or a single operand.
#[derive(Debug, Clone)]
pub(crate) struct Command {
    pub args: Vec<Term>,
    /// Byte offset of the command, for Go-style error positions.
    pub offset: usize,
    /// The command's source text, shown in execution errors like Go's `<.A.B>`.
    pub text: String,
}

#[derive(Debug, Clone)]
pub(crate) enum Term {
    Dot,
    Field(Vec<String>),
    Var(String, Vec<String>),
    Func(String),
    Lit(Value),
    Nil,
    Sub(Box<Pipeline>, Vec<String>),
}

/// Parses the items of a whole template.
pub(crate) fn parse(src: &str, items: Vec<Item>) -> Result<Vec<Node>, TemplateError> {
    let mut p = Parser {
        src,
        items: items.into_iter().collect(),
        vars: vec!["".to_string()],
        range_depth: 0,
    };
    let (nodes, end) = p.list()?;
    match end {
        Stop::Eof => Ok(nodes),
        Stop::End(off) => Err(p.err(off, "unexpected {{end}}")),
        Stop::Else(off, _) => Err(p.err(off, "unexpected {{else}}")),
    }
}

/// What terminated a list of nodes.
enum Stop {
    Eof,
    End(usize),
    /// `{{else}}` with whatever tokens followed `else` (e.g. `if .X`).
    Else(usize, Vec<Token>),
}

struct Parser<'a> {
    src: &'a str,
    items: std::collections::VecDeque<Item>,
    /// Variables in scope, innermost last; `$` (empty name) is always there.
    vars: Vec<String>,
    range_depth: usize,
}

impl Parser<'_> {
    fn err(&self, offset: usize, msg: impl Into<String>) -> TemplateError {
        TemplateError::parse(self.src, offset, msg)
    }

    fn list(&mut self) -> Result<(Vec<Node>, Stop), TemplateError> {
        let mut nodes = Vec::new();
        while let Some(item) = self.items.pop_front() {
            let (tokens, offset) = match item {
                Item::Text(t) => {
                    nodes.push(Node::Text(t));
                    continue;
                }
                Item::Action { tokens, offset } => (tokens, offset),
            };
            let keyword = match tokens.first().map(|t| &t.kind) {
                Some(Tok::Ident(w)) => w.as_str(),
                _ => "",
            };
            let rest = tokens.get(1..).unwrap_or_default().to_vec();
            match keyword {
                "end" => {
                    self.no_args(&rest, offset, "end")?;
                    return Ok((nodes, Stop::End(offset)));
                }
                "else" => return Ok((nodes, Stop::Else(offset, rest))),
                "if" => nodes.push(Node::If(self.branch(rest, offset, "if")?)),
                "with" => nodes.push(Node::With(self.branch(rest, offset, "with")?)),
                "range" => {
                    self.range_depth += 1;
                    let b = self.branch(rest, offset, "range");
                    self.range_depth -= 1;
                    nodes.push(Node::Range(b?));
                }
                "break" | "continue" => {
                    self.no_args(&rest, offset, keyword)?;
                    if self.range_depth == 0 {
                        return Err(
                            self.err(offset, format!("{{{{{keyword}}}}} outside {{{{range}}}}"))
                        );
                    }
                    nodes.push(if keyword == "break" {
                        Node::Break
                    } else {
                        Node::Continue
                    });
                }
                "define" | "template" | "block" => {
                    return Err(self.err(offset, format!("{{{{{keyword}}}}} is not supported")));
                }
                _ => {
                    let pipe = self.pipeline(&tokens, offset, "command", true)?;
                    nodes.push(Node::Output(pipe));
                }
            }
        }
        Ok((nodes, Stop::Eof))
    }

    fn no_args(&self, rest: &[Token], offset: usize, what: &str) -> Result<(), TemplateError> {
        if rest.is_empty() {
            Ok(())
        } else {
            Err(self.err(
                offset,
                format!("unexpected {} in {what}", describe(&rest[0].kind)),
            ))
        }
    }

    /// Parses `if`/`with`/`range` after its keyword, through the matching
    /// `{{end}}`. `{{else if ...}}` / `{{else with ...}}` nest a new branch
    /// that shares the outer `{{end}}`, exactly as Go does.
    fn branch(
        &mut self,
        tokens: Vec<Token>,
        offset: usize,
        kw: &str,
    ) -> Result<Branch, TemplateError> {
        let scope = self.vars.len();
        let pipe = self.pipeline(&tokens, offset, kw, kw == "range")?;
        let (body, end) = self.list()?;
        let otherwise = match end {
            Stop::Eof => return Err(self.err(self.src.len(), "unexpected EOF")),
            Stop::End(_) => None,
            Stop::Else(off, rest) => {
                let nested_kw = match rest.first().map(|t| &t.kind) {
                    Some(Tok::Ident(w)) if (w == "if" || w == "with") && w == kw => Some(w.clone()),
                    _ => None,
                };
                if let Some(nested_kw) = nested_kw {
                    let nested = self.branch(rest[1..].to_vec(), off, &nested_kw)?;
                    Some(vec![if nested_kw == "if" {
                        Node::If(nested)
                    } else {
                        Node::With(nested)
                    }])
                } else {
                    self.no_args(&rest, off, "else")?;
                    match self.list()? {
                        (nodes, Stop::End(_)) => Some(nodes),
                        (_, Stop::Eof) => return Err(self.err(self.src.len(), "unexpected EOF")),
                        (_, Stop::Else(o, _)) => {
                            return Err(self.err(o, "expected end; found {{else}}"))
                        }
                    }
                }
            }
        };
        self.vars.truncate(scope);
        Ok(Branch {
            pipe,
            body,
            otherwise,
        })
    }

    fn pipeline(
        &mut self,
        tokens: &[Token],
        offset: usize,
        ctx: &str,
        allow_two: bool,
    ) -> Result<Pipeline, TemplateError> {
        let mut toks = tokens;
        let mut vars = Vec::new();
        let mut assign = false;
        // A declaration is `$x :=`, `$x =` or (range only) `$i, $e :=`.
        let decl_len = match toks {
            [Token {
                kind: Tok::Var { chain, .. },
                ..
            }, Token {
                kind: Tok::Declare | Tok::Assign,
                ..
            }, ..]
                if chain.is_empty() =>
            {
                2
            }
            [Token {
                kind: Tok::Var { chain: c1, .. },
                ..
            }, Token {
                kind: Tok::Comma, ..
            }, Token {
                kind: Tok::Var { chain: c2, .. },
                ..
            }, Token {
                kind: Tok::Declare | Tok::Assign,
                ..
            }, ..]
                if c1.is_empty() && c2.is_empty() =>
            {
                if !allow_two {
                    return Err(self.err(offset, format!("too many declarations in {ctx}")));
                }
                4
            }
            _ => 0,
        };
        if decl_len > 0 {
            for t in &toks[..decl_len] {
                match &t.kind {
                    Tok::Var { name, .. } => vars.push(name.clone()),
                    Tok::Assign => assign = true,
                    _ => {}
                }
            }
            toks = &toks[decl_len..];
        }
        let (cmds, used) = self.commands(toks, offset, ctx)?;
        if used != toks.len() {
            return Err(self.err(
                toks[used].offset,
                format!("unexpected {} in {ctx}", describe(&toks[used].kind)),
            ));
        }
        if assign {
            if let Some(v) = vars.iter().find(|v| !self.vars.contains(v)) {
                return Err(self.err(offset, format!("undefined variable \"${v}\"")));
            }
        } else {
            self.vars.extend(vars.iter().cloned());
        }
        Ok(Pipeline { vars, assign, cmds })
    }

    /// Parses `cmd | cmd ...` up to a closing paren or the end; returns the
    /// commands and how many tokens were consumed.
    fn commands(
        &mut self,
        toks: &[Token],
        offset: usize,
        ctx: &str,
    ) -> Result<(Vec<Command>, usize), TemplateError> {
        let mut cmds = Vec::new();
        let mut i = 0;
        loop {
            let start = i;
            let mut args = Vec::new();
            while i < toks.len() && !matches!(toks[i].kind, Tok::Pipe | Tok::RParen) {
                let (term, used) = self.term(&toks[i..], offset)?;
                args.push(term);
                i += used;
            }
            let cmd_offset = toks.get(start).map_or(offset, |t| t.offset);
            if args.is_empty() {
                return Err(self.err(cmd_offset, format!("missing value for {ctx}")));
            }
            let end_offset = toks
                .get(i)
                .map_or_else(|| self.action_end(cmd_offset), |t| t.offset);
            let text = self.src[cmd_offset..end_offset].trim().to_string();
            cmds.push(Command {
                args,
                offset: cmd_offset,
                text,
            });
            match toks.get(i).map(|t| &t.kind) {
                Some(Tok::Pipe) => i += 1,
                _ => return Ok((cmds, i)),
            }
        }
    }

    /// Where the action containing `offset` closes, for command text spans.
    fn action_end(&self, offset: usize) -> usize {
        let rest = &self.src[offset..];
        let close = rest.find("}}").unwrap_or(rest.len());
        let body = rest[..close].trim_end();
        offset + body.strip_suffix(" -").map_or(body.len(), str::len)
    }

    fn term(&mut self, toks: &[Token], offset: usize) -> Result<(Term, usize), TemplateError> {
        let t = &toks[0];
        let term = match &t.kind {
            Tok::Dot => Term::Dot,
            Tok::Field { names, .. } => Term::Field(names.clone()),
            Tok::Var { name, chain } => {
                if !self.vars.contains(name) {
                    return Err(self.err(t.offset, format!("undefined variable \"${name}\"")));
                }
                Term::Var(name.clone(), chain.clone())
            }
            Tok::Ident(name) => {
                if !funcs::exists(name) {
                    return Err(self.err(t.offset, format!("function {name:?} not defined")));
                }
                Term::Func(name.clone())
            }
            Tok::Str(s) => Term::Lit(Value::String(s.clone())),
            Tok::Int(n) => Term::Lit(Value::from(*n)),
            Tok::Float(f) => Term::Lit(Value::from(*f)),
            Tok::Bool(b) => Term::Lit(Value::Bool(*b)),
            Tok::Nil => Term::Nil,
            Tok::LParen => {
                let (cmds, used) = self.commands(&toks[1..], offset, "parenthesized pipeline")?;
                let close = 1 + used;
                if !matches!(toks.get(close).map(|t| &t.kind), Some(Tok::RParen)) {
                    return Err(self.err(t.offset, "unclosed left paren"));
                }
                let pipe = Pipeline {
                    vars: Vec::new(),
                    assign: false,
                    cmds,
                };
                // `(pipeline).Field` chains only when nothing separates them.
                if let Some(Token {
                    kind:
                        Tok::Field {
                            names,
                            attached: true,
                        },
                    ..
                }) = toks.get(close + 1)
                {
                    return Ok((Term::Sub(Box::new(pipe), names.clone()), close + 2));
                }
                return Ok((Term::Sub(Box::new(pipe), Vec::new()), close + 1));
            }
            other => {
                return Err(self.err(
                    t.offset,
                    format!("unexpected {} in operand", describe(other)),
                ))
            }
        };
        Ok((term, 1))
    }
}

/// Go-ish description of a token for error messages.
fn describe(t: &Tok) -> String {
    match t {
        Tok::LParen => "\"(\"".into(),
        Tok::RParen => "\")\"".into(),
        Tok::Pipe => "\"|\"".into(),
        Tok::Comma => "\",\"".into(),
        Tok::Declare => "\":=\"".into(),
        Tok::Assign => "\"=\"".into(),
        Tok::Ident(s) => format!("<{s}>"),
        Tok::Str(s) => format!("{s:?}"),
        other => format!("{other:?}"),
    }
}
