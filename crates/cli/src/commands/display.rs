//! Small text transformations docker applies when showing objects:
//! 12-character IDs, ellipsized errors, capitalized states, "familiar"
//! image names, and the natural sort order of its lists.

use shoal_gocompat::tabwriter::display_width;
use std::cmp::Ordering;

/// docker's `TruncateID`: drops an `algo:` prefix, keeps 12 characters.
pub fn truncate_id(id: &str) -> String {
    let id = id.split_once(':').map_or(id, |(_, rest)| rest);
    id.chars().take(12).collect()
}

/// docker's `formatter.Ellipsis`: cuts `s` to `max` display columns,
/// ending in `…` when cut.
pub fn ellipsis(s: &str, max: usize) -> String {
    if max == 0 {
        return String::new();
    }
    if display_width(s) <= max {
        return s.to_string();
    }
    if max == 1 {
        return s.chars().next().map(String::from).unwrap_or_default();
    }
    let mut out = String::new();
    let mut width = 0;
    for c in s.chars() {
        let w = display_width(c.encode_utf8(&mut [0; 4]));
        if width + w > max - 1 {
            break;
        }
        width += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// docker's `PrettyPrint` of a value (its `capitalizeFirst`): first letter
/// upper-cased and the rest lower-cased (`running` -> `Running`,
/// `... +0000 UTC` -> `... +0000 utc`); a one-letter text is lower-cased.
pub fn capitalize_first(s: &str) -> String {
    let mut chars = s.chars();
    match (chars.next(), s.len()) {
        (None, _) => String::new(),
        (Some(c), 1) => c.to_lowercase().collect(),
        (Some(c), _) => c
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
    }
}

/// The image as docker lists it: for a tagged reference the digest is
/// dropped and Docker Hub's `docker.io/library/` prefix removed
/// (`docker.io/library/nginx:1.25@sha256:...` -> `nginx:1.25`); other
/// references are shown unchanged.
pub fn familiar_image(image: &str) -> String {
    let name_tag = image.split_once('@').map_or(image, |(n, _)| n);
    let slash = name_tag.rfind('/').map_or(0, |i| i + 1);
    let Some(colon) = name_tag[slash..].rfind(':').map(|i| slash + i) else {
        return image.to_string();
    };
    let (name, tag) = (&name_tag[..colon], &name_tag[colon + 1..]);
    if name.is_empty() || tag.is_empty() || !valid_repo(name) {
        return image.to_string();
    }
    format!("{}:{tag}", familiar_name(name))
}

/// The image as docker's client sends it in a service spec (its
/// `imageWithTagString`): familiar form, `:latest` added when neither tag
/// nor digest is given (`docker.io/library/busybox` -> `busybox:latest`).
/// A reference that does not parse is left alone.
pub fn tagged_image(image: &str) -> String {
    let (name_tag, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    let slash = name_tag.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name_tag[slash..].rfind(':').map(|i| slash + i) {
        Some(colon) => (&name_tag[..colon], Some(&name_tag[colon + 1..])),
        None => (name_tag, None),
    };
    if name.is_empty() || tag == Some("") || digest == Some("") || !valid_repo(name) {
        return image.to_string();
    }
    let mut out = familiar_name(name).to_string();
    match (tag, digest) {
        (Some(t), _) => {
            out.push(':');
            out.push_str(t);
        }
        (None, None) => out.push_str(":latest"),
        (None, Some(_)) => {}
    }
    if let Some(d) = digest {
        out.push('@');
        out.push_str(d);
    }
    out
}

/// Repository paths are lower-case; a domain part may be anything.
fn valid_repo(name: &str) -> bool {
    let path = match split_domain(name) {
        Some((_, path)) => path,
        None => name,
    };
    !path.is_empty() && !path.chars().any(|c| c.is_ascii_uppercase() || c == ' ')
}

/// `(domain, path)` when the first component names a registry.
fn split_domain(name: &str) -> Option<(&str, &str)> {
    let (first, rest) = name.split_once('/')?;
    (first.contains('.') || first.contains(':') || first == "localhost").then_some((first, rest))
}

fn familiar_name(name: &str) -> &str {
    match split_domain(name) {
        Some(("docker.io" | "index.docker.io", path)) => match path.strip_prefix("library/") {
            Some(rest) if !rest.contains('/') => rest,
            _ => path,
        },
        _ => name,
    }
}

/// fvbommel/sortorder's `NaturalLess`: digit runs compare as numbers
/// (`web.2` before `web.10`), everything else byte-wise.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let (da, db) = (a[i].is_ascii_digit(), b[j].is_ascii_digit());
        if da != db {
            // Digits sort before other characters.
            return if da {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        if !da {
            if a[i] != b[j] {
                return a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
            continue;
        }
        while i < a.len() && a[i] == b'0' {
            i += 1;
        }
        while j < b.len() && b[j] == b'0' {
            j += 1;
        }
        let (nz_a, nz_b) = (i, j);
        while i < a.len() && a[i].is_ascii_digit() {
            i += 1;
        }
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        let (ra, rb) = (&a[nz_a..i], &b[nz_b..j]);
        let by_len = ra.len().cmp(&rb.len());
        if by_len != Ordering::Equal {
            return by_len;
        }
        if ra != rb {
            return ra.cmp(rb);
        }
        // Equal numbers: fewer leading zeros first.
        if nz_a != nz_b {
            return nz_a.cmp(&nz_b);
        }
    }
    // Identical so far: the shorter string sorts first.
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert_eq!(truncate_id("x6kpvn0ycp4tn8w5ifbp8rp5z"), "x6kpvn0ycp4t");
        assert_eq!(truncate_id("sha256:0123456789abcdef"), "0123456789ab");
        assert_eq!(truncate_id("short"), "short");
    }

    #[test]
    fn ellipsized() {
        assert_eq!(
            ellipsis("task: non-zero exit (1)", 30),
            "task: non-zero exit (1)"
        );
        assert_eq!(
            ellipsis(
                "no suitable node (scheduling constraints not satisfied on 1 node)",
                30
            ),
            "no suitable node (scheduling …"
        );
        assert_eq!(ellipsis("abc", 1), "a");
        assert_eq!(ellipsis("abc", 0), "");
    }

    #[test]
    fn capitalized() {
        assert_eq!(capitalize_first("running"), "Running");
        assert_eq!(capitalize_first(""), "");
        assert_eq!(capitalize_first("ready"), "Ready");
        assert_eq!(capitalize_first("LEADER"), "Leader");
        assert_eq!(capitalize_first("X"), "x");
        assert_eq!(
            capitalize_first("2024-01-02 +0000 UTC"),
            "2024-01-02 +0000 utc"
        );
    }

    #[test]
    fn familiar_images() {
        let cases = [
            ("busybox", "busybox"),
            ("busybox:latest", "busybox:latest"),
            ("nginx:1.25@sha256:abcdef", "nginx:1.25"),
            ("docker.io/library/nginx:latest", "nginx:latest"),
            ("docker.io/foo/bar:1", "foo/bar:1"),
            ("busybox@sha256:abcdef", "busybox@sha256:abcdef"),
            ("localhost:5000/ip:latest", "localhost:5000/ip:latest"),
            ("localhost:5000/ip", "localhost:5000/ip"),
            ("reg.example.com/a/b:2@sha256:ff", "reg.example.com/a/b:2"),
            ("Bad:tag", "Bad:tag"),
        ];
        for (input, want) in cases {
            assert_eq!(familiar_image(input), want, "{input}");
        }
    }

    #[test]
    fn tagged_images() {
        let cases = [
            ("busybox", "busybox:latest"),
            ("busybox:1.36", "busybox:1.36"),
            ("docker.io/library/busybox", "busybox:latest"),
            ("busybox@sha256:abc", "busybox@sha256:abc"),
            ("localhost:5000/ip", "localhost:5000/ip:latest"),
            ("nginx:1.25@sha256:abc", "nginx:1.25@sha256:abc"),
            ("Bad", "Bad"),
        ];
        for (input, want) in cases {
            assert_eq!(tagged_image(input), want, "{input}");
        }
    }

    #[test]
    fn natural_order() {
        let mut names = vec!["web.10", "web.2", "web.1", "api.1", "web.02", "web"];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            names,
            ["api.1", "web", "web.1", "web.2", "web.02", "web.10"]
        );
        assert_eq!(natural_cmp("a", "a"), Ordering::Equal);
        assert_eq!(natural_cmp("node-2", "node-10"), Ordering::Less);
    }
}
