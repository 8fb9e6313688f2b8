//! API versioning: `/v1.NN/` prefixes are stripped before routing (after checking the
//! version is one we speak), and every response carries the headers clients read.

use crate::error::ApiError;
use axum::body::Body;
use axum::http::{HeaderValue, Request, Uri};
use axum::response::{IntoResponse, Response};

/// The Engine API version shoal speaks; the docker CLI downgrades to it.
pub const API_VERSION: &str = "1.47";
pub const MIN_API_VERSION: &str = "1.24";

fn parse(v: &str) -> Option<(u32, u32)> {
    let (a, b) = v.split_once('.')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// Splits `/v1.41/services` into ("1.41", "/services").
fn split_version(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix("/v")?;
    let slash = rest.find('/').unwrap_or(rest.len());
    let (v, tail) = rest.split_at(slash);
    parse(v)?;
    Some((v, if tail.is_empty() { "/" } else { tail }))
}

/// Checks a requested version against the range we serve.
pub fn check(v: &str) -> Result<(), ApiError> {
    let want = parse(v).ok_or_else(|| ApiError::bad_request(format!("invalid API version {v}")))?;
    let min = parse(MIN_API_VERSION).unwrap_or((1, 24));
    let max = parse(API_VERSION).unwrap_or((1, 47));
    if want < min {
        return Err(ApiError::bad_request(format!(
            "client version {v} is too old. Minimum supported API version is {MIN_API_VERSION}, please upgrade your client to a newer version"
        )));
    }
    if want > max {
        return Err(ApiError::bad_request(format!(
            "client version {v} is too new. Maximum supported API version is {API_VERSION}"
        )));
    }
    Ok(())
}

/// Rewrites a versioned URI to its bare form; an unsupported version becomes a marker path
/// whose handler answers 400.
pub fn rewrite(mut req: Request<Body>) -> Request<Body> {
    let path = req.uri().path().to_string();
    if let Some((v, tail)) = split_version(&path) {
        let new_path = match check(v) {
            Ok(()) => tail.to_string(),
            Err(_) => format!("/__unsupported_version/{v}"),
        };
        let pq = match req.uri().query() {
            Some(q) => format!("{new_path}?{q}"),
            None => new_path,
        };
        if let Ok(uri) = pq.parse::<Uri>() {
            *req.uri_mut() = uri;
        }
    }
    req
}

/// Handler for the marker path.
pub async fn unsupported(axum::extract::Path(v): axum::extract::Path<String>) -> Response {
    match check(&v) {
        Ok(()) => ApiError::new(404, "page not found").into_response(),
        Err(e) => e.into_response(),
    }
}

/// Adds `Server`, `Api-Version`, `Ostype` and `Docker-Experimental` to every response.
pub async fn headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    let server = format!("shoal/{} (linux)", env!("CARGO_PKG_VERSION"));
    if let Ok(v) = HeaderValue::from_str(&server) {
        h.insert("Server", v);
    }
    h.insert("Api-Version", HeaderValue::from_static(API_VERSION));
    h.insert("Ostype", HeaderValue::from_static("linux"));
    h.insert("Docker-Experimental", HeaderValue::from_static("false"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_versioned_paths() {
        assert_eq!(
            split_version("/v1.41/services"),
            Some(("1.41", "/services"))
        );
        assert_eq!(split_version("/v1.47/_ping"), Some(("1.47", "/_ping")));
        assert_eq!(split_version("/services"), None);
        assert_eq!(split_version("/volumes"), None);
    }

    #[test]
    fn version_range() {
        assert!(check("1.41").is_ok());
        assert!(check("1.24").is_ok());
        assert!(check("1.12").unwrap_err().message.contains("too old"));
        assert!(check("1.99").unwrap_err().message.contains("too new"));
    }
}
