//! Lexer for the Go `text/template` subset: splits the source into literal
//! text and `{{ ... }}` actions, applies the `{{-` / `-}}` trim markers and
//! tokenizes what is inside each action.

use super::TemplateError;

/// One token inside an action. `offset` is the byte offset in the source,
/// kept so errors can report Go-style `line:col` positions.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub kind: Tok,
    pub offset: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// A lone `.`.
    Dot,
    /// `.A.B`; `attached` is true when no blank precedes it, which is how
    /// Go tells `(x).A` (a field of x) from `(x) .A` (two arguments).
    Field {
        names: Vec<String>,
        attached: bool,
    },
    /// `$` or `$name`, optionally followed by a field chain (`$x.A`).
    Var {
        name: String,
        chain: Vec<String>,
    },
    Ident(String),
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Nil,
    LParen,
    RParen,
    Pipe,
    Declare,
    Assign,
    Comma,
}

/// A piece of the template source.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item {
    Text(String),
    /// An action; `offset` points at its `{{`.
    Action {
        tokens: Vec<Token>,
        offset: usize,
    },
}

/// Go's notion of white space for trim markers.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Splits `src` into text and tokenized actions.
pub(crate) fn lex(src: &str) -> Result<Vec<Item>, TemplateError> {
    let mut items = Vec::new();
    let mut pos = 0;
    let mut trim_next_text = false;
    loop {
        let Some(rel) = src[pos..].find("{{") else {
            push_text(&mut items, &src[pos..], trim_next_text, false);
            return Ok(items);
        };
        let open = pos + rel;
        let mut body = open + 2;
        // `{{- ` trims the text before; the marker needs a blank after the
        // dash so that `{{-3}}` still means the number -3.
        let trim_before = has_left_trim(&src[body..]);
        if trim_before {
            body += 2;
        }
        push_text(&mut items, &src[pos..open], trim_next_text, trim_before);

        let mut lx = ActionLexer {
            src,
            pos: body,
            open,
        };
        let trim_after = if lx.rest_after_blanks().starts_with("/*") {
            lx.comment()?
        } else {
            let (tokens, trim) = lx.tokens()?;
            items.push(Item::Action {
                tokens,
                offset: open,
            });
            trim
        };
        trim_next_text = trim_after;
        pos = lx.pos;
    }
}

fn has_left_trim(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next() == Some('-') && chars.next().is_some_and(is_space)
}

fn push_text(items: &mut Vec<Item>, text: &str, trim_start: bool, trim_end: bool) {
    let mut text = text;
    if trim_start {
        text = text.trim_start_matches(is_space);
    }
    if trim_end {
        text = text.trim_end_matches(is_space);
    }
    if !text.is_empty() {
        items.push(Item::Text(text.to_string()));
    }
}

/// Cursor over the inside of one action.
struct ActionLexer<'a> {
    src: &'a str,
    pos: usize,
    /// Offset of the action's `{{`, for error positions.
    open: usize,
}

impl ActionLexer<'_> {
    fn rest(&self) -> &str {
        &self.src[self.pos..]
    }

    fn rest_after_blanks(&self) -> &str {
        self.rest().trim_start_matches(is_space)
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn err(&self, msg: impl Into<String>) -> TemplateError {
        TemplateError::parse(self.src, self.open, msg)
    }

    /// Skips blanks; returns whether any were skipped.
    fn skip_blanks(&mut self) -> bool {
        let before = self.pos;
        let trimmed = self.rest().trim_start_matches(is_space);
        self.pos = self.src.len() - trimmed.len();
        self.pos != before
    }

    /// Consumes a `/* ... */` comment and the closing delimiter.
    fn comment(&mut self) -> Result<bool, TemplateError> {
        self.skip_blanks();
        let Some(end) = self.rest().find("*/") else {
            return Err(self.err("unclosed comment"));
        };
        self.pos += end + 2;
        let blank = self.skip_blanks();
        self.close(blank)
            .ok_or_else(|| self.err("comment ends before closing delimiter"))
    }

    /// If the cursor is at `}}` (or ` -}}` after blanks), consumes it and
    /// returns whether it carried a trim marker.
    fn close(&mut self, after_blank: bool) -> Option<bool> {
        if self.rest().starts_with("}}") {
            self.pos += 2;
            return Some(false);
        }
        if after_blank && self.rest().starts_with("-}}") {
            self.pos += 3;
            return Some(true);
        }
        None
    }

    fn tokens(&mut self) -> Result<(Vec<Token>, bool), TemplateError> {
        let mut out: Vec<Token> = Vec::new();
        loop {
            let blank = self.skip_blanks();
            if let Some(trim) = self.close(blank) {
                return Ok((out, trim));
            }
            let offset = self.pos;
            let Some(c) = self.peek() else {
                return Err(self.err("unclosed action"));
            };
            let kind = match c {
                '(' => self.single(Tok::LParen),
                ')' => self.single(Tok::RParen),
                '|' => self.single(Tok::Pipe),
                ',' => self.single(Tok::Comma),
                '=' => self.single(Tok::Assign),
                ':' if self.rest().starts_with(":=") => {
                    self.pos += 2;
                    Tok::Declare
                }
                '"' => Tok::Str(self.quoted()?),
                '`' => Tok::Str(self.raw_string()?),
                '$' => {
                    self.pos += 1;
                    let name = self.ident();
                    let chain = self.field_chain()?;
                    Tok::Var { name, chain }
                }
                '.' if self.rest()[1..].starts_with(|c: char| c.is_ascii_digit()) => {
                    self.number()?
                }
                '.' => {
                    let names = self.field_chain()?;
                    if names.is_empty() {
                        self.pos += 1;
                        Tok::Dot
                    } else {
                        Tok::Field {
                            names,
                            attached: !blank,
                        }
                    }
                }
                '+' | '-' | '0'..='9' => self.number()?,
                c if is_ident_char(c) => match self.ident().as_str() {
                    "true" => Tok::Bool(true),
                    "false" => Tok::Bool(false),
                    "nil" => Tok::Nil,
                    word => Tok::Ident(word.to_string()),
                },
                other => {
                    return Err(self.err(format!("unexpected {other:?} in command")));
                }
            };
            out.push(Token { kind, offset });
        }
    }

    fn single(&mut self, tok: Tok) -> Tok {
        self.pos += 1;
        tok
    }

    fn ident(&mut self) -> String {
        let len = self
            .rest()
            .find(|c: char| !is_ident_char(c))
            .unwrap_or(self.rest().len());
        let word = self.rest()[..len].to_string();
        self.pos += len;
        word
    }

    /// Reads `.A.B...` directly at the cursor (nothing if no `.name`).
    fn field_chain(&mut self) -> Result<Vec<String>, TemplateError> {
        let mut names = Vec::new();
        while self.rest().starts_with('.')
            && self.rest()[1..].starts_with(|c: char| is_ident_char(c) && !c.is_ascii_digit())
        {
            self.pos += 1;
            names.push(self.ident());
        }
        if self.rest().starts_with('.') && !names.is_empty() {
            return Err(self.err("unexpected . after term"));
        }
        Ok(names)
    }

    fn number(&mut self) -> Result<Tok, TemplateError> {
        let start = self.pos;
        let bytes = self.src.as_bytes();
        let mut i = self.pos;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let hex = bytes.get(i) == Some(&b'0') && matches!(bytes.get(i + 1), Some(b'x' | b'X'));
        if hex {
            i += 2;
            while bytes
                .get(i)
                .is_some_and(|b| b.is_ascii_hexdigit() || *b == b'_')
            {
                i += 1;
            }
        } else {
            while bytes
                .get(i)
                .is_some_and(|b| b.is_ascii_digit() || *b == b'_')
            {
                i += 1;
            }
            if bytes.get(i) == Some(&b'.') {
                i += 1;
                while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
            }
            if matches!(bytes.get(i), Some(b'e' | b'E')) {
                i += 1;
                if matches!(bytes.get(i), Some(b'+' | b'-')) {
                    i += 1;
                }
                while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
            }
        }
        let text = &self.src[start..i];
        self.pos = i;
        let bad = || self.err(format!("bad number syntax: {text:?}"));
        if self.peek().is_some_and(|c| is_ident_char(c) || c == '.') {
            return Err(bad());
        }
        let clean = text.replace('_', "");
        if hex {
            let (neg, digits) = match clean.strip_prefix('-') {
                Some(d) => (true, d),
                None => (false, clean.trim_start_matches('+')),
            };
            let v = i64::from_str_radix(&digits[2..], 16).map_err(|_| bad())?;
            return Ok(Tok::Int(if neg { -v } else { v }));
        }
        if let Ok(v) = clean.parse::<i64>() {
            return Ok(Tok::Int(v));
        }
        match clean.parse::<f64>() {
            Ok(v) if clean.chars().any(|c| c.is_ascii_digit()) => Ok(Tok::Float(v)),
            _ => Err(bad()),
        }
    }

    fn quoted(&mut self) -> Result<String, TemplateError> {
        self.pos += 1;
        let mut out = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos += i + 1;
                    return Ok(out);
                }
                '\n' => break,
                '\\' => {
                    let Some((_, e)) = chars.next() else { break };
                    match e {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        '0' => out.push('\0'),
                        'a' => out.push('\x07'),
                        'b' => out.push('\x08'),
                        'f' => out.push('\x0c'),
                        'v' => out.push('\x0b'),
                        '\\' | '"' | '\'' => out.push(e),
                        'x' | 'u' | 'U' => {
                            let n = match e {
                                'x' => 2,
                                'u' => 4,
                                _ => 8,
                            };
                            let hex: String = chars.by_ref().take(n).map(|(_, h)| h).collect();
                            let ch = u32::from_str_radix(&hex, 16)
                                .ok()
                                .filter(|_| hex.len() == n)
                                .and_then(char::from_u32)
                                .ok_or_else(|| self.err("invalid escape in quoted string"))?;
                            out.push(ch);
                        }
                        _ => return Err(self.err("invalid escape in quoted string")),
                    }
                }
                c => out.push(c),
            }
        }
        Err(self.err("unterminated quoted string"))
    }

    fn raw_string(&mut self) -> Result<String, TemplateError> {
        self.pos += 1;
        let Some(end) = self.rest().find('`') else {
            return Err(self.err("unterminated raw quoted string"));
        };
        let s = self.rest()[..end].to_string();
        self.pos += end + 1;
        Ok(s)
    }
}

fn is_ident_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Tok> {
        match lex(src).unwrap().remove(0) {
            Item::Action { tokens, .. } => tokens.into_iter().map(|t| t.kind).collect(),
            other => panic!("expected action, got {other:?}"),
        }
    }

    #[test]
    fn tokens() {
        assert_eq!(
            kinds("{{.A.B | upper}}"),
            vec![
                Tok::Field {
                    names: vec!["A".into(), "B".into()],
                    attached: true
                },
                Tok::Pipe,
                Tok::Ident("upper".into()),
            ]
        );
        assert_eq!(
            kinds(r#"{{$x := "a\tb" -3 1.5 .5 0x10 true nil}}"#),
            vec![
                Tok::Var {
                    name: "x".into(),
                    chain: vec![]
                },
                Tok::Declare,
                Tok::Str("a\tb".into()),
                Tok::Int(-3),
                Tok::Float(1.5),
                Tok::Float(0.5),
                Tok::Int(16),
                Tok::Bool(true),
                Tok::Nil,
            ]
        );
        assert_eq!(
            kinds("{{(.A).B}}")[3],
            Tok::Field {
                names: vec!["B".into()],
                attached: true
            }
        );
        assert_eq!(kinds("{{ . }}"), vec![Tok::Dot]);
    }

    #[test]
    fn trim_markers() {
        let items = lex("a  {{- .X -}}  b").unwrap();
        assert_eq!(items[0], Item::Text("a".into()));
        assert_eq!(items[2], Item::Text("b".into()));
        // `{{-3}}` is a number, not a trim marker.
        let items = lex("a {{-3}}").unwrap();
        assert_eq!(items[0], Item::Text("a ".into()));
    }

    #[test]
    fn comments_vanish() {
        assert_eq!(
            lex("a {{- /* hi */ -}} b").unwrap(),
            vec![Item::Text("a".into()), Item::Text("b".into())]
        );
    }

    #[test]
    fn errors() {
        assert!(lex("{{.A").is_err());
        assert!(lex(r#"{{"abc}}"#).is_err());
        assert!(lex("{{3x}}").is_err());
        assert!(lex("{{/* x */ y}}").is_err());
    }
}
