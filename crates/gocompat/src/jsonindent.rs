//! Go's `json.Indent` and `json.Compact` over raw bytes. `inspect` prints
//! what the daemon sent, re-indented, keeping its key order (parsing into
//! a map and printing it back would sort the keys).

/// Re-indents valid JSON with `indent` per level; empty objects and arrays
/// stay `{}` / `[]`, and `:` is followed by one space, as in Go.
pub fn indent(src: &str, indent: &str) -> String {
    let mut out = String::with_capacity(src.len() * 2);
    let mut depth = 0usize;
    let mut need_indent = false;
    let mut in_string = false;
    let mut escaped = false;
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(indent);
        }
    };
    for c in src.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        if c.is_ascii_whitespace() {
            continue;
        }
        if need_indent && c != '}' && c != ']' {
            need_indent = false;
            depth += 1;
            newline(&mut out, depth);
        }
        match c {
            '{' | '[' => {
                // Delayed, so that an empty object or array stays `{}`.
                need_indent = true;
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            '}' | ']' => {
                if need_indent {
                    need_indent = false;
                } else {
                    depth = depth.saturating_sub(1);
                    newline(&mut out, depth);
                }
                out.push(c);
            }
            '"' => {
                in_string = true;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Go's `json.Compact`: whitespace outside strings removed.
pub fn compact(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in src.chars() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c.is_ascii_whitespace() {
            continue;
        } else if c == '"' {
            in_string = true;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indents_like_go() {
        let src = r#"[{"ID":"abc","Spec":{"Name":"web","Labels":{},"Args":["sleep","1 0"]},"Ports":[],"N":1.5,"S":"a\"{,}b"}]"#;
        let want = r#"[
    {
        "ID": "abc",
        "Spec": {
            "Name": "web",
            "Labels": {},
            "Args": [
                "sleep",
                "1 0"
            ]
        },
        "Ports": [],
        "N": 1.5,
        "S": "a\"{,}b"
    }
]"#;
        assert_eq!(indent(src, "    "), want);
        assert_eq!(indent("[]", "    "), "[]");
        assert_eq!(indent(" { } ", "  "), "{}");
    }

    #[test]
    fn compacts() {
        assert_eq!(
            compact("[ {\n \"a b\" : [ 1, 2 ] } ]"),
            r#"[{"a b":[1,2]}]"#
        );
    }
}
