//! `inspect` output as docker prints it: by default the daemon's JSON for
//! every object, in one 4-space-indented array; `--format json` compact;
//! otherwise a Go template per object. Objects that failed to load are
//! reported after the output, with exit status 1.

use super::errors::StatusError;
use serde_json::Value;
use shoal_gocompat::jsonindent;
use shoal_gocompat::template;

/// One requested object: its raw JSON (as sent by the daemon) or the error
/// that replaced it.
pub type Fetched = Result<String, String>;

/// Renders the fetched objects for `format`. `Ok` holds the output and, if
/// some objects failed, the error to exit with after printing it; a
/// template that does not parse fails the whole command with status 64.
pub fn render(
    format: &str,
    fetched: &[Fetched],
) -> Result<(String, Option<StatusError>), StatusError> {
    let raws: Vec<&str> = fetched
        .iter()
        .filter_map(|f| f.as_ref().ok())
        .map(String::as_str)
        .collect();
    let mut errors: Vec<String> = fetched
        .iter()
        .filter_map(|f| f.as_ref().err())
        .cloned()
        .collect();
    let out = match format {
        "" => {
            let joined = format!("[{}]", raws.join(","));
            format!("{}\n", jsonindent::indent(&joined, "    "))
        }
        "json" => format!(
            "{}\n",
            jsonindent::compact(&format!("[{}]", raws.join(",")))
        ),
        _ => {
            let tmpl = template::parse(format)
                .map_err(|e| StatusError::new(64, format!("template parsing error: {e}")))?;
            let mut out = String::new();
            for raw in raws {
                let value: Value = serde_json::from_str(raw).unwrap_or(Value::Null);
                match tmpl.render(&value) {
                    Ok(text) => {
                        out.push_str(&text);
                        out.push('\n');
                    }
                    Err(e) => errors.push(format!("template parsing error: {e}")),
                }
            }
            if out.is_empty() {
                out.push('\n');
            }
            out
        }
    };
    let err = (!errors.is_empty()).then(|| StatusError::new(1, errors.join("\n")));
    Ok((out, err))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetched() -> Vec<Fetched> {
        vec![
            Ok(r#"{"ID":"b","Spec":{"Name":"web"}}"#.to_string()),
            Err("Error: no such service: nope".to_string()),
            Ok(r#"{"ID":"a","Spec":{"Name":"api"}}"#.to_string()),
        ]
    }

    #[test]
    fn default_is_indented_array_in_daemon_order() {
        let (out, err) = render("", &fetched()).unwrap();
        assert_eq!(
            out,
            "[\n    {\n        \"ID\": \"b\",\n        \"Spec\": {\n            \"Name\": \"web\"\n        }\n    },\n    {\n        \"ID\": \"a\",\n        \"Spec\": {\n            \"Name\": \"api\"\n        }\n    }\n]\n"
        );
        let err = err.unwrap();
        assert_eq!(
            (err.code, err.message.as_str()),
            (1, "Error: no such service: nope")
        );
        assert_eq!(render("", &[]).unwrap().0, "[]\n");
    }

    #[test]
    fn json_and_templates() {
        let (out, _) = render("json", &fetched()).unwrap();
        assert_eq!(out, "[{\"ID\":\"b\",\"Spec\":{\"Name\":\"web\"}},{\"ID\":\"a\",\"Spec\":{\"Name\":\"api\"}}]\n");
        let (out, _) = render("{{.Spec.Name}}", &fetched()).unwrap();
        assert_eq!(out, "web\napi\n");
        let (out, err) = render("{{.Spec.Name}}", &[Err("x".into())]).unwrap();
        assert_eq!(out, "\n");
        assert!(err.is_some());
        let e = render("{{", &fetched()).unwrap_err();
        assert_eq!(e.code, 64);
        assert!(e
            .message
            .starts_with("template parsing error: template: :1:"));
    }
}
