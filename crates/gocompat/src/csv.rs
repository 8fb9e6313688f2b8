//! One record of Go's `encoding/csv`, which docker uses to read the long
//! forms of `--publish`, `--mount` and similar comma-separated flags.

/// Splits one line of comma-separated values like Go's `encoding/csv`
/// (docker parses `--publish` and `--mount` long forms this way): a field
/// may be quoted, with `""` for a quote inside.
pub fn fields(s: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = s.chars().peekable();
    let mut col = 0usize;
    loop {
        if chars.peek() == Some(&'"') {
            chars.next();
            col += 1;
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => break,
                    Some(c) => field.push(c),
                    None => {
                        return Err(format!(
                            "parse error on line 1, column {}: extraneous or missing \" in quoted-field",
                            s.chars().count() + 1
                        ))
                    }
                }
                col += 1;
            }
            match chars.next() {
                None => {
                    fields.push(field);
                    return Ok(fields);
                }
                Some(',') => fields.push(std::mem::take(&mut field)),
                Some(_) => {
                    return Err(format!(
                    "parse error on line 1, column {}: extraneous or missing \" in quoted-field",
                    col + 2
                ))
                }
            }
        } else {
            loop {
                match chars.next() {
                    None => {
                        fields.push(field);
                        return Ok(fields);
                    }
                    Some(',') => {
                        fields.push(std::mem::take(&mut field));
                        break;
                    }
                    Some('"') => {
                        return Err(format!(
                            "parse error on line 1, column {}: bare \" in non-quoted-field",
                            col + 1
                        ))
                    }
                    Some(c) => field.push(c),
                }
                col += 1;
            }
        }
        col += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv() {
        assert_eq!(
            fields("published=8080,target=80").unwrap(),
            ["published=8080", "target=80"]
        );
        assert_eq!(
            fields(r#"type=bind,"source=/a,b",target=/c"#).unwrap(),
            ["type=bind", "source=/a,b", "target=/c"]
        );
        assert_eq!(fields("a,,b").unwrap(), ["a", "", "b"]);
        assert!(fields("a\"b").is_err());
    }
}
