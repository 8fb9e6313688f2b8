//! Building query strings for API paths (`?filters=...&all=1`), with the
//! percent-encoding of Go's `url.QueryEscape` so JSON filter values survive.

/// Encodes `pairs` as `k=v&k2=v2` (no leading `?`).
pub fn encode_query<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> String
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    pairs
        .into_iter()
        .map(|(k, v)| format!("{}={}", escape(k.as_ref()), escape(v.as_ref())))
        .collect::<Vec<_>>()
        .join("&")
}

/// Appends encoded `pairs` to `path` with `?`, or returns `path` alone when
/// there are none.
pub fn with_query<K, V>(path: &str, pairs: impl IntoIterator<Item = (K, V)>) -> String
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let q = encode_query(pairs);
    if q.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{q}")
    }
}

/// Go's `url.QueryEscape`: unreserved bytes stay, space becomes `+`,
/// everything else is `%XX`.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_go() {
        assert_eq!(
            escape(r#"{"name":{"web":true}}"#),
            "%7B%22name%22%3A%7B%22web%22%3Atrue%7D%7D"
        );
        assert_eq!(escape("a b&c=d/é"), "a+b%26c%3Dd%2F%C3%A9");
        assert_eq!(encode_query([("all", "1"), ("q", "x y")]), "all=1&q=x+y");
        assert_eq!(
            with_query("/services", [("status", "true")]),
            "/services?status=true"
        );
        assert_eq!(
            with_query("/services", Vec::<(&str, &str)>::new()),
            "/services"
        );
    }
}
