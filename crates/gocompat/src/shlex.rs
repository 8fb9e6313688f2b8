//! Shell-style word splitting for `--entrypoint` and `--args`, as
//! google/shlex (used by docker) does it: blanks separate words, single
//! quotes are literal, double quotes allow `\"` `\\` escapes, a backslash
//! outside quotes escapes the next character, `#` starts a comment.

/// Splits `s` into words, or says why it cannot (docker's wording).
pub fn split(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '#' if !in_word => {
                // A comment runs to the end of the line.
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '\\' => {
                let next = chars.next().ok_or("EOF found after escape character")?;
                word.push(next);
                in_word = true;
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("EOF found when expecting closing quote".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => word.push(c),
                            Some('\n') => {}
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err("EOF found after escape character".into()),
                        },
                        Some(c) => word.push(c),
                        None => return Err("EOF found when expecting closing quote".into()),
                    }
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        let cases: &[(&str, &[&str])] = &[
            ("sleep 1000", &["sleep", "1000"]),
            (
                "  sh   -c  'echo hi; exit 1' ",
                &["sh", "-c", "echo hi; exit 1"],
            ),
            (r#"echo "a \"b\" \n""#, &["echo", "a \"b\" \\n"]),
            (r"a\ b c", &["a b", "c"]),
            ("x'y'z", &["xyz"]),
            ("''", &[""]),
            ("", &[]),
            ("run # comment", &["run"]),
        ];
        for (input, want) in cases {
            assert_eq!(split(input).unwrap(), *want, "{input}");
        }
        assert_eq!(
            split("'open").unwrap_err(),
            "EOF found when expecting closing quote"
        );
        assert_eq!(
            split("end\\").unwrap_err(),
            "EOF found after escape character"
        );
    }
}
